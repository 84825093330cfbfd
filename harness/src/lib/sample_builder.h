// From a task's verdicts to the results envelope (results::SampleRecord), shared by `run` (fresh
// generations) and `score` (stored outputs re-scored): both go through the same two functions, so a
// re-score of unchanged code reproduces the run's verdicts exactly.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "remedi/engine/engine.h"
#include "remedi/results/sample_record.h"
#include "remedi/tasks/registry.h"
#include "text_codec.h"

namespace remedi::cli {

// The output as the scorer sees it: cut before the first stop string (Prompt::stop), as the
// released LLaDA evaluation cuts few-shot continuations. The stored output stays uncut, so a
// re-score with other stop strings starts from the full generation.
std::string cut_at_stop(const std::string& output, const std::vector<std::string>& stop);

// Fills r.verdicts (filter -> 0/1; "<filter>.items" -> fraction of items passed where a filter has
// per-item verdicts, e.g. IFEval), r.primary (the task's first filter) and r.task_record.
void apply_score(results::SampleRecord& r, const tasks::TaskData& t, const tasks::Doc& d,
                 const std::string& protocol, const tasks::Prompt& p, const tasks::Score& s);

// The trace of one generation in the report's format (report_html.h): per step, the text of every
// block position (each id decoded alone), its mask state and whether it was just remasked.
nlohmann::json trace_json(const engine::GenerateResult& g, const TextCodec& codec, int block_size);

}  // namespace remedi::cli
