#include <catch2/catch.hpp>

#include <cstdio>
#include <thread>

#include "lib/progress.h"
#include "lib/run_options.h"
#include "lib/sample_builder.h"
#include "remedi/common/error.h"

using namespace remedi;
using namespace remedi::cli;

TEST_CASE("stop strings cut the scored output, first occurrence of any", "[harness]") {
  CHECK(cut_at_stop("a [DONE] b Question: c", {"Question:", "[DONE]"}) == "a ");
  CHECK(cut_at_stop("no stop here", {"Question:"}) == "no stop here");
  CHECK(cut_at_stop("x", {""}) == "x");  // an empty stop string never cuts everything
}

TEST_CASE("sample seeds depend on the sample, not on batching", "[harness]") {
  CHECK(sample_seed(0, "gsm8k", "3", 0) == sample_seed(0, "gsm8k", "3", 0));
  CHECK(sample_seed(0, "gsm8k", "3", 0) != sample_seed(0, "gsm8k", "3", 1));
  CHECK(sample_seed(0, "gsm8k", "3", 0) != sample_seed(1, "gsm8k", "3", 0));
  CHECK(sample_seed(0, "gsm8k", "3", 0) != sample_seed(0, "math500", "3", 0));
}

TEST_CASE("run options: config excludes batch/out/db, includes the sampler", "[harness]") {
  Args a({"run", "--model", "m", "--tasks", "gsm8k,arc_challenge", "--out", "o", "--batch", "4", "--steps", "8",
          "--block", "16", "--data-dir", "d"});
  RunOptions o = parse_run_options(a);
  CHECK_NOTHROW(a.finish());
  Args b({"run", "--model", "m", "--tasks", "gsm8k,arc_challenge", "--out", "other", "--batch", "1", "--steps", "8",
          "--block", "16", "--data-dir", "d", "--db", "x.sqlite"});
  RunOptions p = parse_run_options(b);
  CHECK(o.config_json() == p.config_json());
  Args c({"run", "--model", "m", "--tasks", "gsm8k,arc_challenge", "--out", "o", "--steps", "4", "--block", "16",
          "--data-dir", "d"});
  CHECK(parse_run_options(c).config_json() != o.config_json());
  CHECK(o.config_json()["sampler"]["steps"] == 8);
  CHECK(o.sampler.trace == false);
  Args bad({"run", "--model", "m", "--tasks", "no_such_task", "--out", "o"});
  CHECK_THROWS_AS(parse_run_options(bad), Error);
  Args badp({"run", "--model", "m", "--tasks", "gsm8k", "--out", "o", "--protocol", "nope"});
  CHECK_THROWS_AS(parse_run_options(badp), Error);
  Args badn({"run", "--model", "m", "--tasks", "gsm8k", "--out", "o", "--samples", "0"});
  CHECK_THROWS_AS(parse_run_options(badn), Error);
}

TEST_CASE("progress lines show counts, rate and ETA; plain mode prints lines", "[harness][progress]") {
  std::FILE* f = std::tmpfile();
  ProgressOptions po;
  po.out = f;
  po.tty = false;
  po.plain_interval_s = 1000;
  po.stall_warn_s = 1000;
  Progress p({"gsm8k", "humaneval"}, {10, 4}, {2, 0}, po);
  p.start();
  p.add(0, 5, 500);
  std::string l = p.render_line(0);
  CHECK(l.find("gsm8k") != std::string::npos);
  CHECK(l.find("7/12") != std::string::npos);  // 2 before + 5 now, of 12
  CHECK(l.find("58.3%") != std::string::npos);
  CHECK(l.find("samples/s") != std::string::npos);
  CHECK(p.render_line(1).find("0/4") != std::string::npos);
  CHECK(p.render_line(1).find("--:--") != std::string::npos);  // no rate yet: no ETA
  p.add(0, 5, 10);
  CHECK(p.render_line(0).find("done") != std::string::npos);
  p.stop();
  std::rewind(f);
  char buf[4096] = {0};
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::string out(buf, n);
  CHECK(out.find("progress: gsm8k") != std::string::npos);  // final plain lines
  CHECK(out.find("\x1b[") == std::string::npos);           // no ANSI codes off a terminal
  std::fclose(f);
}

TEST_CASE("stall warning fires when nothing finishes for stall_warn_s", "[harness][progress]") {
  std::FILE* f = std::tmpfile();
  ProgressOptions po;
  po.out = f;
  po.tty = false;
  po.plain_interval_s = 1000;
  po.stall_warn_s = 0.15;
  po.tick_s = 0.02;
  Progress p({"gsm8k"}, {3}, {0}, po);
  p.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(p.stall_warnings() >= 1);
  p.add(0, 3, 30);  // everything done: no more warnings
  int64_t w = p.stall_warnings();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(p.stall_warnings() == w);
  p.stop();
  std::rewind(f);
  char buf[8192] = {0};
  std::string out(buf, std::fread(buf, 1, sizeof buf - 1, f));
  CHECK(out.find("warning: no sample finished") != std::string::npos);
  std::fclose(f);
}

TEST_CASE("tty mode redraws in place", "[harness][progress]") {
  std::FILE* f = std::tmpfile();
  ProgressOptions po;
  po.out = f;
  po.tty = true;
  po.tick_s = 0.02;
  Progress p({"a", "b"}, {1, 1}, {0, 0}, po);
  p.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  p.stop();
  std::rewind(f);
  char buf[16384] = {0};
  std::string out(buf, std::fread(buf, 1, sizeof buf - 1, f));
  CHECK(out.find("\x1b[2A") != std::string::npos);  // cursor up over two bars
}
