#include "sample_builder.h"

namespace remedi::cli {

std::string cut_at_stop(const std::string& output, const std::vector<std::string>& stop) {
  size_t cut = output.size();
  for (const auto& s : stop)
    if (!s.empty()) cut = std::min(cut, output.find(s));
  return output.substr(0, cut);
}

void apply_score(results::SampleRecord& r, const tasks::TaskData& t, const tasks::Doc& d,
                 const std::string& protocol, const tasks::Prompt& p, const tasks::Score& s) {
  const std::string scored = cut_at_stop(r.output, p.stop);
  tasks::SampleRecord tr = tasks::make_record(t, d, protocol, p, scored, s, r.key.repeat);
  r.verdicts.clear();
  for (const auto& f : s.filters) {
    r.verdicts[f.filter] = f.correct ? 1.0 : 0.0;
    if (!f.items.empty()) {
      double pass = 0;
      for (bool b : f.items) pass += b ? 1 : 0;
      r.verdicts[f.filter + ".items"] = pass / f.items.size();
    }
  }
  r.primary = t.spec->filters.empty() ? (s.filters.empty() ? "" : s.filters.front().filter) : t.spec->filters.front();
  r.prompt_hash = tr.prompt_hash;
  nlohmann::json j;
  tasks::to_json(j, tr);
  r.task_record = std::move(j);
}

nlohmann::json trace_json(const engine::GenerateResult& g, const TextCodec& codec, int block_size) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& st : g.trace) {
    std::vector<std::string> text;
    text.reserve(st.tokens.size());
    for (size_t i = 0; i < st.tokens.size(); ++i) {
      if (st.masked.size() > i && st.masked[i]) {
        text.emplace_back();
        continue;
      }
      // Ids without visible text (specials, ids the tokenizer has no token for) show as <id> so a
      // trace of a random-weight model still shows where tokens changed.
      std::string piece = codec.decode({st.tokens[i]});
      text.push_back(piece.empty() ? "<" + std::to_string(st.tokens[i]) + ">" : piece);
    }
    steps.push_back({{"block", st.block}, {"step", st.step}, {"tokens", text},
                     {"masked", st.masked}, {"remasked", st.remasked}});
  }
  return {{"block_size", block_size}, {"steps", steps}};
}

}  // namespace remedi::cli
