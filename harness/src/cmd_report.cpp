// remedi-eval report RUN... --out report.html [--md FILE]: the self-contained HTML report and the
// Markdown tables (results/report_html.h, results/report_tables.h).
#include <cstdio>
#include <filesystem>

#include "command.h"
#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/results/report_html.h"
#include "remedi/results/report_tables.h"

static const char* kHelp = R"(usage: remedi-eval report RUN_DIR... --out report.html [--md FILE] [--title T] [--max-traces N]

One HTML file (inline SVG, no network) with the runs as rows of the RemeDi paper's Table 1 and
Table 2, a radar chart, remask bars and histograms, throughput and a denoising-trace viewer.
  --out FILE        HTML file to write (required)
  --md FILE         also write the tables as Markdown ("-" = stdout)
  --title T         page title (default "remedi-eval report")
  --max-traces N    traces embedded in the viewer (default 12)
)";

static int run_report(remedi::Args& a) {
  using namespace remedi;
  if (a.help()) {
    std::printf("%s", kHelp);
    return 0;
  }
  std::string out = a.get("--out");
  auto md = a.opt("--md");
  results::HtmlReportOptions ho;
  ho.title = a.get("--title", ho.title);
  ho.max_traces = static_cast<int>(a.get_int("--max-traces", ho.max_traces));
  auto pos = a.positional();
  a.finish();
  if (pos.empty()) throw Error("report needs at least one run directory", "report", "remedi-eval report RUN --out r.html");
  std::vector<results::RunData> runs;
  for (const auto& d : pos) runs.push_back(results::load_run(d));
  write_file_atomic(out, results::html_report(runs, ho));
  if (md) {
    std::string text = results::markdown_report(runs);
    if (*md == "-") std::printf("%s", text.c_str());
    else write_file_atomic(*md, text);
  }
  std::printf("report: %s\n", std::filesystem::absolute(out).string().c_str());
  return 0;
}

REMEDI_COMMAND(report, "report", "HTML report (tables, charts, traces) and Markdown tables for runs", run_report)
