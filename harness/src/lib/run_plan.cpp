#include "run_plan.h"

#include <algorithm>

namespace remedi::cli {

void load_plan_tasks(RunPlan& plan, const RunOptions& o) {
  for (const auto& name : o.tasks) {
    plan.data.push_back(tasks::load_task(name, o.data_dir));
    plan.protocols.push_back(o.protocol.empty() ? plan.data.back().spec->protocols.front() : o.protocol);
  }
}

void plan_work(RunPlan& plan, const RunOptions& o, const TextCodec& codec, const std::string& sampler_hash,
               const std::string& model_hash, const std::set<std::string>& done) {
  const size_t nt = plan.data.size();
  plan.prompts.assign(nt, {});
  plan.prompt_ids.assign(nt, {});
  plan.work.assign(nt, {});
  plan.todo.assign(nt, 0);
  plan.done_before.assign(nt, 0);
  for (size_t t = 0; t < nt; ++t) {
    const auto& docs = plan.data[t].docs;
    const size_t n = o.limit > 0 ? std::min<size_t>(docs.size(), static_cast<size_t>(o.limit)) : docs.size();
    // Reserved up front: WorkItems keep pointers into these vectors.
    plan.prompts[t].reserve(n);
    plan.prompt_ids[t].reserve(n);
    int64_t ordinal = 0;  // sample number within the task, for --trace-samples (stable under resume)
    for (size_t i = 0; i < n; ++i) {
      plan.prompts[t].push_back(tasks::build_prompt(plan.data[t], docs[i], plan.protocols[t]));
      const tasks::Prompt& p = plan.prompts[t].back();
      std::vector<engine::ChatMessage> msgs;
      for (const auto& m : p.messages) msgs.push_back({m.role, m.content});
      std::vector<int32_t> ids = codec.encode_chat(msgs);
      if (!p.answer_prefix.empty()) {  // the assistant turn starts with the forced prefix
        auto pre = codec.encode(p.answer_prefix);
        ids.insert(ids.end(), pre.begin(), pre.end());
      }
      plan.prompt_ids[t].push_back(std::move(ids));
      for (int k = 0; k < o.samples; ++k, ++ordinal) {
        WorkItem w;
        w.task = t;
        w.doc = &docs[i];
        w.prompt = &p;
        w.ids = &plan.prompt_ids[t].back();
        w.repeat = k;
        w.trace = ordinal < o.trace_samples;
        w.key = {plan.data[t].spec->name, docs[i].id, k, sampler_hash, model_hash};
        w.seed = sample_seed(o.seed, w.key.task, w.key.doc_id, k);
        if (done.count(w.key.str())) {
          ++plan.done_before[t];
          continue;
        }
        plan.work[t].push_back(std::move(w));
        ++plan.todo[t];
      }
    }
  }
}

}  // namespace remedi::cli
