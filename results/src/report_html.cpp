#include "remedi/results/report_html.h"

#include <fmt/format.h>

#include <cmath>

#include "remedi/common/error.h"
#include "remedi/results/report_tables.h"
#include "remedi/results/svg.h"

namespace remedi::results {

using nlohmann::json;
using svg::escape;

static const char* kStyle = R"css(
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1300px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}td.na{color:#999;text-align:center}
.charts{display:flex;flex-wrap:wrap;gap:16px}.note{color:#666;font-size:12px}
.trace{font-family:ui-monospace,monospace;font-size:13px;line-height:1.9;white-space:pre-wrap;border:1px solid #ddd;padding:8px}
.tok{padding:1px 0;border-radius:2px}.m{background:#ccc;color:#ccc}.r{background:#f4a3a3;outline:1px solid #c00}
.n{background:#bfe8bf}.done{color:#222}.key span{margin-right:12px}
)css";

// The viewer: reads every <script type="application/json" class="trace-data"> and renders the
// chosen step. Masked = grey box, remasked at this step = red, unmasked at this step = green.
static const char* kTraceScript = R"js(
(function(){
  var data = Array.prototype.map.call(document.querySelectorAll('script.trace-data'),
                                      function(s){ return JSON.parse(s.textContent); });
  var sel = document.getElementById('trace-select'), rng = document.getElementById('trace-step');
  var out = document.getElementById('trace-view'), lab = document.getElementById('trace-label');
  if (!sel || data.length === 0) return;
  function esc(t){ return t.replace(/&/g,'&amp;').replace(/</g,'&lt;').replace(/>/g,'&gt;'); }
  function render(){
    var tr = data[sel.value].trace, steps = tr.steps, i = +rng.value, cur = steps[i], html = '';
    for (var b = 0; b < cur.block; b++) {            // finished blocks: their last step
      var last = null;
      for (var k = 0; k < steps.length; k++) if (steps[k].block === b) last = steps[k];
      if (last) last.tokens.forEach(function(t){ html += '<span class="tok done">' + esc(t) + '</span>'; });
    }
    var prev = (i > 0 && steps[i-1].block === cur.block) ? steps[i-1] : null;
    cur.tokens.forEach(function(t, p){
      var cls = 'tok done', txt = esc(t);
      if (cur.remasked[p]) { cls = 'tok r'; txt = '\u2591\u2591'; }
      else if (cur.masked[p]) { cls = 'tok m'; txt = '\u2591\u2591'; }
      else if (!prev || prev.masked[p]) cls = 'tok n';
      html += '<span class="' + cls + '">' + txt + '</span>';
    });
    out.innerHTML = html;
    lab.textContent = 'block ' + cur.block + ', step ' + cur.step + ' (' + (i+1) + '/' + steps.length + ')';
  }
  // Open on the first step that remasked something (the interesting part), else on step 0.
  function pick(){
    var steps = data[sel.value].trace.steps, first = 0;
    for (var k = 0; k < steps.length; k++) if (steps[k].remasked.indexOf(1) >= 0) { first = k; break; }
    rng.max = steps.length - 1; rng.value = first; render();
  }
  sel.addEventListener('change', pick); rng.addEventListener('input', render); pick();
})();
)js";

static std::string num_cell(double v, const char* fmtstr = "{:.3g}") {
  return "<td class=\"num\">" + fmt::format(fmt::runtime(fmtstr), v) + "</td>";
}

static std::string runs_table(const std::vector<RunData>& runs) {
  std::string s = "<table><tr><th>run</th><th>model</th><th>model hash</th><th>policy</th><th>steps</th>"
                  "<th>protocol</th><th>sampler hash</th><th>git</th><th>samples</th><th>finished</th></tr>";
  for (const auto& r : runs) {
    const json& m = r.summary;
    auto str = [&](const json& j, const char* a, const char* b = nullptr) -> std::string {
      const json* p = &j;
      for (const char* k : {a, b}) {
        if (!k) break;
        if (!p->is_object() || !p->contains(k)) return "";
        p = &(*p)[k];
      }
      return p->is_string() ? p->get<std::string>() : (p->is_null() ? "" : dump_json(*p));
    };
    s += fmt::format("<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td>"
                     "<td><code>{}</code></td><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td></tr>",
                     escape(r.label()), escape(str(m, "model", "name")), escape(str(m, "model", "hash").substr(0, 12)),
                     escape(str(m, "sampler", "policy")), escape(str(m, "config", "steps")),
                     escape(str(m, "config", "protocol")), escape(str(m, "sampler", "hash").substr(0, 12)),
                     escape(str(m, "git_sha")), r.records.size(), escape(str(m, "finished_at")));
  }
  return s + "</table>";
}

static std::string paper_table(const std::vector<TableColumn>& cols, const std::vector<RunData>& runs) {
  std::string s = "<table><tr><th>run</th>";
  for (const auto& c : cols) s += "<th>" + escape(c.header) + "</th>";
  s += "</tr>";
  for (const auto& r : runs) {
    s += "<tr><td>" + escape(r.label()) + "</td>";
    for (const auto& c : cols) {
      Cell cell = table_cell(r, c);
      s += cell.mean ? fmt::format("<td class=\"num\" title=\"{}\">{}</td>", escape(cell.task), escape(cell.text()))
                     : "<td class=\"na\">—</td>";
    }
    s += "</tr>";
  }
  return s + "</table>";
}

static double at(const json& j, const std::string& task, const char* block, const char* field) {
  if (!j.contains("tasks") || !j["tasks"].contains(task)) return NAN;
  const json& t = j["tasks"][task];
  if (!t.contains(block) || !t[block].contains(field)) return NAN;
  return t[block][field].get<double>();
}

static std::string tasks_table(const std::vector<RunData>& runs) {
  std::string s = "<table><tr><th>run</th><th>task</th><th>version</th><th>primary filter</th><th>n</th>"
                  "<th>score %</th><th>other filters</th><th>tokens</th><th>NFE</th><th>tok/s</th>"
                  "<th>ms/forward</th><th>tokens/forward</th><th>remasks/token</th><th>remasks/block</th>"
                  "<th>revisions/token</th></tr>";
  for (const auto& r : runs)
    for (const auto& t : all_tasks({r})) {
      const json& tj = r.summary["tasks"][t];
      std::string others;
      for (auto& [f, m] : tj["metrics"].items())
        if (f != tj.value("primary", "")) others += fmt::format("{} {:.1f}; ", f, 100 * m.value("mean", 0.0));
      std::string version = r.summary.contains("task_versions") ? r.summary["task_versions"].value(t, "") : "";
      s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{}</td><td>{}</td>",
                       escape(r.label()), escape(t), escape(version), escape(tj.value("primary", "")),
                       tj.value("n_samples", 0), escape(task_cell(r, t).text()), escape(others));
      s += num_cell(at(r.summary, t, "throughput", "tokens"), "{:.0f}") +
           num_cell(at(r.summary, t, "throughput", "nfe"), "{:.0f}") +
           num_cell(at(r.summary, t, "throughput", "tok_per_s"), "{:.1f}") +
           num_cell(at(r.summary, t, "throughput", "ms_per_forward"), "{:.2f}") +
           num_cell(at(r.summary, t, "throughput", "tokens_per_forward"), "{:.2f}") +
           num_cell(at(r.summary, t, "remask", "remasks_per_token"), "{:.3f}") +
           num_cell(at(r.summary, t, "remask", "remasks_per_block"), "{:.2f}") +
           num_cell(at(r.summary, t, "remask", "revisions_per_token"), "{:.3f}") + "</tr>";
    }
  return s + "</table>";
}

static std::vector<svg::Series> task_series(const std::vector<RunData>& runs, const std::vector<std::string>& tasks,
                                            const char* block, const char* field, double scale = 1) {
  std::vector<svg::Series> out;
  for (const auto& r : runs) {
    svg::Series s{r.label(), {}};
    for (const auto& t : tasks) {
      if (block == nullptr) {
        Cell c = task_cell(r, t);
        s.values.push_back(c.mean ? *c.mean : NAN);
      } else {
        s.values.push_back(at(r.summary, t, block, field) * scale);
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

// Traces as JSON islands; "</" is escaped so no string can close the script element.
static std::string trace_section(const std::vector<RunData>& runs, int max_traces) {
  std::string options, islands;
  int n = 0;
  for (const auto& r : runs)
    for (const auto& rec : r.records) {
      if (n >= max_traces) break;
      if (!rec.trace.is_object() || !rec.trace.contains("steps") || rec.trace["steps"].empty()) continue;
      json island = {{"run", r.label()}, {"task", rec.key.task}, {"doc", rec.key.doc_id}, {"trace", rec.trace}};
      std::string text = dump_json(island);
      size_t pos = 0;
      while ((pos = text.find("</", pos)) != std::string::npos) text.replace(pos, 2, "<\\/");
      islands += "<script type=\"application/json\" class=\"trace-data\">" + text + "</script>\n";
      options += fmt::format("<option value=\"{}\">{} · {} · {} (verdict {:g})</option>", n, escape(r.label()),
                             escape(rec.key.task), escape(rec.key.doc_id),
                             rec.verdicts.count(rec.primary) ? rec.verdicts.at(rec.primary) : 0.0);
      ++n;
    }
  if (n == 0)
    return "<p class=\"note\">No traces recorded. Run with <code>--trace-samples N</code> to keep the "
           "denoising trace of N samples per task.</p>";
  return "<p class=\"key\"><span class=\"tok m\">░░</span>masked <span class=\"tok r\">░░</span>remasked at this "
         "step <span class=\"tok n\">new</span>unmasked at this step <span class=\"tok done\">text</span>kept</p>"
         "<p><select id=\"trace-select\">" + options + "</select> <input type=\"range\" id=\"trace-step\" min=\"0\" "
         "max=\"0\" value=\"0\" style=\"width:420px\"> <span id=\"trace-label\"></span></p>"
         "<div class=\"trace\" id=\"trace-view\"></div>\n" + islands + "<script>" + kTraceScript + "</script>";
}

std::string html_report(const std::vector<RunData>& runs, const HtmlReportOptions& opts) {
  if (runs.empty()) throw Error("report needs at least one run");
  const auto tasks = all_tasks(runs);
  std::string h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(opts.title) +
                  "</title><style>" + kStyle + "</style></head><body>";
  h += "<h1>" + escape(opts.title) + "</h1>";
  h += "<h2>Runs</h2>" + runs_table(runs);
  h += "<h2>Table 1 — reasoning, math and code (RemeDi paper layout)</h2>" + paper_table(paper_table1(), runs);
  h += "<h2>Table 2 — general tasks (RemeDi paper layout)</h2>" + paper_table(paper_table2(), runs);
  h += "<p class=\"note\">Accuracy in percent of the task's primary filter ± standard error over documents; "
       "— = not run. AlpacaEval needs an LLM judge and is never run by remedi-eval.</p>";
  h += "<h2>All tasks</h2>" + tasks_table(runs);
  h += "<h2>Accuracy across tasks</h2><div class=\"charts\">" +
       svg::radar_chart("primary metric per task", tasks, task_series(runs, tasks, nullptr, nullptr)) +
       svg::bar_chart("primary metric per task", tasks, task_series(runs, tasks, nullptr, nullptr, 100), "%", 100) +
       "</div>";
  h += "<h2>Remasking</h2><div class=\"charts\">" +
       svg::bar_chart("remasks per generated token", tasks, task_series(runs, tasks, "remask", "remasks_per_token"),
                      "remasks / token") +
       svg::bar_chart("remasks per block", tasks, task_series(runs, tasks, "remask", "remasks_per_block"),
                      "remasks / block");
  for (size_t i = 0; i < runs.size(); ++i) {
    const json& hist = runs[i].summary["totals"]["remask"]["histogram"];
    h += svg::histogram("remasks per sample — " + runs[i].label(), hist["edges"].get<std::vector<int>>(),
                        hist["counts"].get<std::vector<int>>(), "remasks in one sample", i);
  }
  h += "</div><h2>Throughput</h2><div class=\"charts\">" +
       svg::bar_chart("generated tokens per second", tasks, task_series(runs, tasks, "throughput", "tok_per_s"),
                      "tok/s") +
       svg::bar_chart("milliseconds per forward pass", tasks,
                      task_series(runs, tasks, "throughput", "ms_per_forward"), "ms") +
       "</div><table><tr><th>run</th><th>samples</th><th>tokens</th><th>forwards</th><th>generation s</th>"
       "<th>tok/s</th><th>ms/forward</th><th>device</th></tr>";
  for (const auto& r : runs) {
    const json& t = r.summary["totals"]["throughput"];
    std::string dev = r.summary.contains("environment") ? r.summary["environment"].value("device", "") : "";
    h += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td>", escape(r.label()), r.records.size()) +
         num_cell(t.value("tokens", 0.0), "{:.0f}") + num_cell(t.value("forwards", 0.0), "{:.0f}") +
         num_cell(t.value("gen_s", 0.0), "{:.2f}") + num_cell(t.value("tok_per_s", 0.0), "{:.1f}") +
         num_cell(t.value("ms_per_forward", 0.0), "{:.2f}") + "<td>" + escape(dev) + "</td></tr>";
  }
  h += "</table><h2>Denoising traces</h2>" + trace_section(runs, opts.max_traces);
  h += "<p class=\"note\">Generated by remedi-eval; self-contained (no network access needed).</p></body></html>\n";
  return h;
}

}  // namespace remedi::results
