// The tasks / selfcheck / grade subcommands of the built remedi-eval, on fixture data: output shapes
// (the JSON the issue specifies) and exit codes.
#include <catch2/catch.hpp>

#include <cstdio>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "../test_support.h"
#include "remedi/common/strutil.h"

namespace {

const std::string kFix = std::string(REMEDI_FIXTURES_DIR) + "/tasks";

struct Run {
  int code = -1;
  std::string out;
};

Run run(const std::string& args) {
  Run r;
  std::string cmd = remedi::test::remedi_bin() + " " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace

TEST_CASE("remedi-eval tasks --json lists every task with version and protocols", "[tasks][cli]") {
  Run r = run("tasks --json");
  REQUIRE(r.code == 0);
  auto lines = remedi::split(remedi::trim(r.out), '\n');
  CHECK(lines.size() >= 10);
  auto first = nlohmann::json::parse(lines.at(0));
  CHECK(first["task"] == "gsm8k");
  CHECK(first["version"] == "1");
  CHECK(first["protocols"] == nlohmann::json::array({"llada-oc", "remedi-0shot"}));
  CHECK(first["primary_filter"]["remedi-0shot"] == "boxed");
}

TEST_CASE("remedi-eval selfcheck --json on fixture data", "[tasks][cli]") {
  Run r = run("selfcheck --task gsm8k,math500,arc_challenge --data-dir " + kFix + "/data --json");
  REQUIRE(r.code == 0);
  auto lines = remedi::split(remedi::trim(r.out), '\n');
  REQUIRE(lines.size() == 3);
  auto g = nlohmann::json::parse(lines[0]);
  CHECK(g["task"] == "gsm8k");
  CHECK(g["total"] == 2);
  CHECK(g["agree"] == 2);
  CHECK(nlohmann::json::parse(lines[2])["agree"] == 2);
  CHECK(run("selfcheck --task nope").code == 2);
  CHECK(run("selfcheck --task gsm8k --data-dir " + kFix + "/bad/no_hash").code == 2);
  CHECK(run("selfcheck --task gsm8k --bogus-flag 1").code == 2);
}

TEST_CASE("remedi-eval grade --json: metrics and samples in input order", "[tasks][cli]") {
  Run r = run("grade --task gsm8k --data-dir " + kFix + "/data --input " + kFix + "/grade/gsm8k_outputs.jsonl --json");
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["samples"].size() == 3);
  CHECK(j["samples"][0]["doc_id"] == "0");
  CHECK(j["samples"][0]["strict"]["correct"] == true);
  CHECK(j["samples"][1]["strict"]["extracted"] == "[invalid]");
  CHECK(j["metrics"]["flexible"]["value"] == 1.0);
  Run bad = run("grade --task gsm8k --data-dir " + kFix + "/data --input " + kFix + "/grade/bad_docid.jsonl");
  CHECK(bad.code == 2);
  Run text = run("grade --task gsm8k --data-dir " + kFix + "/data --input " + kFix + "/grade/gsm8k_outputs.jsonl");
  CHECK(text.code == 0);
  CHECK(text.out.find("strict=7 correct") != std::string::npos);
}
