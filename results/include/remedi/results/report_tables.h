// The paper's results tables as data, shared by the HTML and Markdown reports. RemeDi (arXiv
// 2509.23653) Table 1 reports GSM8K, MATH, GPQA, HumanEval and MBPP; Table 2 reports HellaSwag,
// ARC-C, IFEval and AlpacaEval. A run is one row; a cell is the primary metric of the task in percent,
// or "—" when the run did not evaluate it (AlpacaEval is never run: it needs a judge model).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "remedi/results/run_dir.h"

namespace remedi::results {

struct TableColumn {
  std::string header;                // as printed in the paper
  std::vector<std::string> tasks;    // registry names that fill it (first present wins)
};
const std::vector<TableColumn>& paper_table1();
const std::vector<TableColumn>& paper_table2();

struct Cell {
  std::optional<double> mean;  // fraction in [0,1]; empty = not run
  double se = 0;               // standard error of mean (fraction)
  std::string task;            // which task filled it
  std::string text() const;    // "42.9 ± 3.1" or "—"
};

Cell table_cell(const RunData& run, const TableColumn& col);
// Cell for an arbitrary task name (for the all-tasks table and the radar chart).
Cell task_cell(const RunData& run, const std::string& task);

// Every task of any run, first-seen order.
std::vector<std::string> all_tasks(const std::vector<RunData>& runs);

// Markdown: Table 1, Table 2, and a table of every task with its primary filter, n and stderr.
std::string markdown_report(const std::vector<RunData>& runs);

}  // namespace remedi::results
