// `remedi-eval report`: one self-contained HTML file for one or more finished runs — inline CSS,
// inline SVG charts (svg.h) and a small inline script for the trace viewer; nothing is fetched.
//
// Sections: runs (identity of each row), the paper's Table 1 and Table 2 (report_tables.h), every
// task, a radar chart across tasks, remask counts per task (bars) and per sample (histogram),
// throughput, and a denoising-trace viewer in the style of the paper's Fig. 1a.
//
// Trace format (SampleRecord::trace, written by the harness when --trace-samples > 0):
//   {"block_size": 32,
//    "steps": [{"block": 0, "step": 0,
//               "tokens":   ["The", " answer", ...],   // [block_size] text of each position's token
//               "masked":   [0, 1, ...],               // [block_size] 1 = masked after this step
//               "remasked": [0, 0, ...]}, ...]}        // [block_size] 1 = unmasked before, masked after
#pragma once
#include <string>
#include <vector>

#include "remedi/results/run_dir.h"

namespace remedi::results {

struct HtmlReportOptions {
  int max_traces = 12;       // traces embedded in the viewer (first ones found, run order)
  std::string title = "remedi-eval report";
};

std::string html_report(const std::vector<RunData>& runs, const HtmlReportOptions& opts = {});

}  // namespace remedi::results
