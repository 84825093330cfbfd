#include "remedi/results/report_tables.h"

#include <fmt/format.h>

#include <algorithm>

namespace remedi::results {

const std::vector<TableColumn>& paper_table1() {
  static const std::vector<TableColumn> t = {
      {"GSM8K", {"gsm8k"}},
      {"MATH", {"math500", "math", "minerva_math"}},
      {"GPQA", {"gpqa", "gpqa_main", "gpqa_diamond"}},
      {"HumanEval", {"humaneval"}},
      {"MBPP", {"mbpp"}},
  };
  return t;
}

const std::vector<TableColumn>& paper_table2() {
  static const std::vector<TableColumn> t = {
      {"HellaSwag", {"hellaswag"}},
      {"ARC-C", {"arc_challenge", "arc-c", "arc_c"}},
      {"IFEval", {"ifeval"}},
      {"AlpacaEval", {}},  // needs an LLM judge; remedi-eval does not run it
  };
  return t;
}

std::string Cell::text() const {
  if (!mean) return "—";
  return se > 0 ? fmt::format("{:.1f} ± {:.1f}", 100 * *mean, 100 * se) : fmt::format("{:.1f}", 100 * *mean);
}

Cell task_cell(const RunData& run, const std::string& task) {
  Cell c;
  const auto& s = run.summary;
  if (!s.contains("tasks") || !s["tasks"].contains(task)) return c;
  const auto& t = s["tasks"][task];
  const std::string primary = t.value("primary", "");
  if (!t.contains("metrics") || !t["metrics"].contains(primary)) return c;
  c.mean = t["metrics"][primary].value("mean", 0.0);
  c.se = t["metrics"][primary].value("se", 0.0);
  c.task = task;
  return c;
}

Cell table_cell(const RunData& run, const TableColumn& col) {
  for (const auto& t : col.tasks) {
    Cell c = task_cell(run, t);
    if (c.mean) return c;
  }
  return {};
}

std::vector<std::string> all_tasks(const std::vector<RunData>& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs) {
    std::vector<std::string> order;
    if (r.summary.contains("task_order"))
      for (const auto& t : r.summary["task_order"]) order.push_back(t.get<std::string>());
    for (const auto& t : order)
      if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

static std::string md_table(const std::string& title, const std::vector<TableColumn>& cols,
                            const std::vector<RunData>& runs) {
  std::string s = "### " + title + "\n\n| run |";
  for (const auto& c : cols) s += " " + c.header + " |";
  s += "\n|---|";
  for (size_t i = 0; i < cols.size(); ++i) s += "---:|";
  s += "\n";
  for (const auto& r : runs) {
    s += "| " + r.label() + " |";
    for (const auto& c : cols) s += " " + table_cell(r, c).text() + " |";
    s += "\n";
  }
  return s + "\n";
}

std::string markdown_report(const std::vector<RunData>& runs) {
  std::string s = "## remedi-eval results\n\nAccuracy in percent (primary filter) ± standard error; "
                  "— = not run (AlpacaEval needs a judge model and is never run).\n\n";
  s += md_table("Table 1 (RemeDi paper layout)", paper_table1(), runs);
  s += md_table("Table 2 (RemeDi paper layout)", paper_table2(), runs);
  s += "### All tasks\n\n| run | task | filter | n | score | tok/s | remasks/token |\n|---|---|---|---:|---:|---:|---:|\n";
  for (const auto& r : runs)
    for (const auto& t : all_tasks({r})) {
      const auto& tj = r.summary["tasks"][t];
      s += fmt::format("| {} | {} | {} | {} | {} | {:.1f} | {:.3f} |\n", r.label(), t, tj.value("primary", ""),
                       tj.value("n_samples", 0), task_cell(r, t).text(),
                       tj["throughput"].value("tok_per_s", 0.0), tj["remask"].value("remasks_per_token", 0.0));
    }
  return s;
}

}  // namespace remedi::results
