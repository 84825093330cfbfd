#include <catch2/catch.hpp>

#include "remedi/results/report_html.h"
#include "remedi/results/report_tables.h"
#include "remedi/results/svg.h"
#include "synthetic_run.h"

using namespace remedi::results;
using namespace remedi::results::test;

static size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

static std::vector<RunData> two_runs(const std::string& name) {
  std::string root = temp_dir(name);
  std::vector<SampleRecord> a, b;
  for (const char* t : {"gsm8k", "math500", "arc_challenge", "humaneval"})
    for (int d = 0; d < 4; ++d) {
      a.push_back(make_record(t, d, d % 2));
      b.push_back(make_record(t, d, d < 3));
    }
  a[0].trace = {{"block_size", 3},
                {"steps",
                 {{{"block", 0}, {"step", 0}, {"tokens", {"a", "</script>", "c"}}, {"masked", {1, 0, 1}}, {"remasked", {0, 0, 0}}},
                  {{"block", 0}, {"step", 1}, {"tokens", {"a", "b", "c"}}, {"masked", {0, 1, 0}}, {"remasked", {0, 1, 0}}}}}};
  return {load_run(write_run(root + "/a", a, "run <A>")), load_run(write_run(root + "/b", b, "run-B"))};
}

TEST_CASE("markdown tables follow the paper's layout", "[results][report]") {
  auto runs = two_runs("md");
  std::string md = markdown_report(runs);
  CHECK(md.find("| run | GSM8K | MATH | GPQA | HumanEval | MBPP |") != std::string::npos);
  CHECK(md.find("| run | HellaSwag | ARC-C | IFEval | AlpacaEval |") != std::string::npos);
  // run A: gsm8k 2/4 = 50.0 ± 28.9 ; GPQA, MBPP not run.
  CHECK(md.find("| run <A> | 50.0 ± 28.9 | 50.0 ± 28.9 | — | 50.0 ± 28.9 | — |") != std::string::npos);
  CHECK(md.find("| run-B | — | 75.0 ± 25.0 | — | —") != std::string::npos);  // Table 2: HellaSwag —, ARC 75
}

TEST_CASE("HTML report is self-contained with tables, charts and the trace viewer", "[results][report]") {
  auto runs = two_runs("html");
  std::string h = html_report(runs);
  CHECK(h.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(h.find("http://") == h.find("http://www.w3.org/2000/svg"));  // only the SVG namespace URI
  CHECK(h.find("https://") == std::string::npos);
  CHECK(h.find("<link") == std::string::npos);
  CHECK(h.find("src=") == std::string::npos);
  CHECK(h.find("<th>AlpacaEval</th>") != std::string::npos);
  CHECK(count(h, "<svg") == count(h, "</svg>"));
  CHECK(count(h, "<svg") >= 7);  // radar, accuracy bars, 2 remask bars, 2 histograms, 2 throughput
  CHECK(h.find("<td>run &lt;A&gt;</td>") != std::string::npos);  // labels escaped in HTML
  CHECK(h.find(">run <A>") == std::string::npos);
  // The trace island cannot close its script element early.
  CHECK(h.find("class=\"trace-data\"") != std::string::npos);
  CHECK(h.find("<\\/script>") != std::string::npos);
  CHECK(count(h, "<script") == count(h, "</script>"));
  CHECK(count(h, "<script") == 2);  // one data island + the viewer
}

TEST_CASE("radar chart needs three axes; bars skip absent values", "[results][report]") {
  std::string r = svg::radar_chart("t", {"a", "b"}, {{"x", {0.5, 0.5}}});
  CHECK(r.find("radar needs 3 or more") != std::string::npos);
  std::string b = svg::bar_chart("t", {"a", "b"}, {{"x", {0.5, NAN}}}, "%");
  CHECK(count(b, "<rect") == 2);  // one bar + one legend swatch
}
