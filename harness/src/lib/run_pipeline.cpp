#include "run_pipeline.h"

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "environment.h"
#include "progress.h"
#include "remedi/common/error.h"
#include "remedi/common/sha256.h"
#include "remedi/engine/engine.h"
#include "remedi/results/record_file.h"
#include "remedi/results/run_dir.h"
#include "remedi/sandbox/sandbox.h"
#include "remedi/tasks/registry.h"
#include "run_finalize.h"
#include "sample_builder.h"

namespace remedi::cli {

using nlohmann::json;

namespace {

// One sample to generate.
struct WorkItem {
  size_t task = 0;
  const tasks::Doc* doc = nullptr;
  const tasks::Prompt* prompt = nullptr;
  const std::vector<int32_t>* ids = nullptr;  // chat-templated prompt ids
  int repeat = 0;
  bool trace = false;
  results::SampleKey key;
};

// A generated batch on its way to the scorer: records filled except verdicts.
struct Generated {
  size_t task = 0;
  std::vector<const WorkItem*> items;
  std::vector<results::SampleRecord> records;
};

// Bounded hand-off between the generation loop and the scoring thread. Capacity 2: generation
// runs at most two batches ahead of scoring, so a slow sandbox cannot pile up memory.
class BatchQueue {
 public:
  void push(Generated g) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return q_.size() < 2 || aborted_; });
    if (aborted_) return;
    q_.push_back(std::move(g));
    cv_.notify_all();
  }
  bool pop(Generated& g) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !q_.empty() || closed_ || aborted_; });
    if (aborted_ || q_.empty()) return false;
    g = std::move(q_.front());
    q_.pop_front();
    cv_.notify_all();
    return true;
  }
  void close() { std::lock_guard<std::mutex> l(mu_); closed_ = true; cv_.notify_all(); }
  void abort() { std::lock_guard<std::mutex> l(mu_); aborted_ = true; cv_.notify_all(); }
  bool aborted() { std::lock_guard<std::mutex> l(mu_); return aborted_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Generated> q_;
  bool closed_ = false, aborted_ = false;
};

// sha256 over (file name, file hash) pairs; presets are random weights named by preset and seed.
std::string model_hash(const engine::ModelInfo& info) {
  if (info.file_hashes.empty()) return sha256_hex("preset:" + info.name + "#weight_seed=0");
  Sha256 h;
  for (const auto& [file, hash] : info.file_hashes)
    h.update(std::filesystem::path(file).filename().string() + ":" + hash + "\n");
  return h.hex();
}

json model_json(const engine::ModelInfo& info, const std::string& hash) {
  json files = json::object();
  for (const auto& [file, h] : info.file_hashes) files[std::filesystem::path(file).filename().string()] = h;
  return {{"name", info.name}, {"kind", info.kind}, {"hash", hash}, {"files", files}, {"params", info.params},
          {"has_confidence", info.has_confidence}, {"device", info.device}, {"dtype", info.dtype}};
}

}  // namespace

RunOutcome run_evaluation(const RunOptions& o) {
  const auto t_start = std::chrono::steady_clock::now();
  // 1. Sandbox supervisor first (fork before any thread exists), only when a code task runs.
  std::unique_ptr<sandbox::Sandbox> sb;
  for (const auto& name : o.tasks)
    if (tasks::find_task(name).kind == tasks::Kind::Code && !sb) {
      sandbox::SandboxOptions so;
      so.workers = o.sandbox_workers;
      sb = sandbox::make_sandbox(so);
      std::fprintf(stderr, "sandbox: %s\n", sb->isolation().summary().c_str());
    }

  // 2. Tasks and their prompts.
  std::vector<tasks::TaskData> data;
  std::vector<std::string> protocols;
  for (const auto& name : o.tasks) {
    data.push_back(tasks::load_task(name, o.data_dir));
    protocols.push_back(o.protocol.empty() ? data.back().spec->protocols.front() : o.protocol);
  }

  // 3. Engine.
  engine::EngineOptions eo;
  eo.model = o.model;
  eo.device = o.device;
  eo.dtype = o.dtype;
  eo.max_batch = o.batch;
  auto eng = engine::Engine::open(eo);
  if (!eng->has_tokenizer())
    throw Error("the model has no tokenizer, so prompts cannot be encoded", o.model,
                "use a checkpoint directory (e.g. `remedi-eval make-tiny-model DIR` for a tiny one), not a preset");
  const engine::ModelInfo& info = eng->info();
  const std::string mhash = model_hash(info);
  const std::string shash = engine::params_hash(o.sampler);

  // 4. Run directory: fresh, or resumed under the same configuration.
  json config = o.config_json();
  config["model_hash"] = mhash;
  results::RunPaths paths(o.out);
  results::RunIdentity id = results::open_run_dir(paths, config, o.resume);
  results::RecordFileContents existing;
  if (o.resume) existing = results::recover_records(paths.samples());
  std::set<std::string> done_keys;
  int64_t next_batch = 0;
  for (const auto& r : existing.records) {
    done_keys.insert(r.key.str());
    next_batch = std::max(next_batch, r.batch.id + 1);
  }
  if (existing.torn_tail) std::fprintf(stderr, "resume: dropped a torn last line of %s\n", paths.samples().c_str());

  // 5. Work list, in task order; prompts are built once per doc and shared by its repeats.
  std::vector<std::vector<tasks::Prompt>> prompts(data.size());
  std::vector<std::vector<std::vector<int32_t>>> prompt_ids(data.size());
  std::vector<std::vector<WorkItem>> work(data.size());
  std::vector<int64_t> todo(data.size(), 0), before(data.size(), 0);
  for (size_t t = 0; t < data.size(); ++t) {
    const auto& docs = data[t].docs;
    size_t n = o.limit > 0 ? std::min<size_t>(docs.size(), static_cast<size_t>(o.limit)) : docs.size();
    prompts[t].reserve(n);
    prompt_ids[t].reserve(n);
    int64_t ordinal = 0;
    for (size_t i = 0; i < n; ++i) {
      prompts[t].push_back(tasks::build_prompt(data[t], docs[i], protocols[t]));
      const tasks::Prompt& p = prompts[t].back();
      std::vector<engine::ChatMessage> msgs;
      for (const auto& m : p.messages) msgs.push_back({m.role, m.content});
      std::vector<int32_t> ids = eng->encode_chat(msgs);
      if (!p.answer_prefix.empty()) {
        auto pre = eng->encode(p.answer_prefix);
        ids.insert(ids.end(), pre.begin(), pre.end());
      }
      prompt_ids[t].push_back(std::move(ids));
      for (int k = 0; k < o.samples; ++k, ++ordinal) {
        WorkItem w;
        w.task = t;
        w.doc = &docs[i];
        w.prompt = &p;
        w.ids = &prompt_ids[t].back();
        w.repeat = k;
        w.trace = ordinal < o.trace_samples;
        w.key = {data[t].spec->name, docs[i].id, k, shash, mhash};
        if (done_keys.count(w.key.str())) {
          ++before[t];
          continue;
        }
        work[t].push_back(std::move(w));
        ++todo[t];
      }
    }
  }
  RunOutcome out;
  out.dir = o.out;
  out.run_id = id.run_id;
  for (size_t t = 0; t < data.size(); ++t) {
    out.generated += todo[t];
    out.skipped += before[t];
  }
  std::fprintf(stderr, "run %s: %lld samples to generate, %lld already done; model %s (%s, %s), policy %s, steps %d\n",
               id.run_id.c_str(), static_cast<long long>(out.generated), static_cast<long long>(out.skipped),
               info.name.c_str(), info.device.c_str(), info.dtype.c_str(), engine::policy_name(o.sampler.policy),
               o.sampler.steps);

  // 6. Scoring thread + generation loop.
  ProgressOptions po;
  po.tty = ::isatty(STDERR_FILENO);
  po.stall_warn_s = o.stall_warn_s;
  Progress progress(o.tasks, todo, before, po);
  progress.start();
  BatchQueue queue;
  std::exception_ptr score_error;
  std::thread scorer([&] {
    try {
      Generated g;
      while (queue.pop(g)) {
        const tasks::TaskData& td = data[g.task];
        std::vector<const tasks::Doc*> docs;
        std::vector<std::string> outputs;
        for (size_t i = 0; i < g.items.size(); ++i) {
          docs.push_back(g.items[i]->doc);
          outputs.push_back(cut_at_stop(g.records[i].output, g.items[i]->prompt->stop));
        }
        auto scores = tasks::score_batch(td, docs, outputs, protocols[g.task], sb.get());
        int64_t tokens = 0;
        for (size_t i = 0; i < g.items.size(); ++i) {
          apply_score(g.records[i], td, *g.items[i]->doc, protocols[g.task], *g.items[i]->prompt, scores.at(i));
          tokens += g.records[i].gen.tokens;
        }
        results::append_records(paths.samples(), g.records);  // durable before it counts as done
        progress.add(g.task, static_cast<int64_t>(g.records.size()), tokens);
      }
    } catch (...) {
      score_error = std::current_exception();
      queue.abort();
    }
  });
  std::exception_ptr gen_error;
  try {
    for (size_t t = 0; t < data.size() && !queue.aborted(); ++t) {
      // Traced samples go in their own batches: tracing is a sampler flag of the whole call.
      std::vector<const WorkItem*> traced, plain;
      for (const auto& w : work[t]) (w.trace ? traced : plain).push_back(&w);
      for (auto* group : {&traced, &plain})
        for (size_t b = 0; b < group->size() && !queue.aborted(); b += o.batch) {
          Generated g;
          g.task = t;
          g.items.assign(group->begin() + b, group->begin() + std::min(group->size(), b + o.batch));
          std::vector<engine::GenerateRequest> reqs;
          for (const WorkItem* w : g.items)
            reqs.push_back({*w->ids, sample_seed(o.seed, w->key.task, w->key.doc_id, w->repeat)});
          engine::SamplerParams sp = o.sampler;
          sp.trace = g.items.front()->trace;
          const auto t0 = std::chrono::steady_clock::now();
          auto res = eng->generate(reqs, sp);
          const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
          int forwards = 0;
          for (const auto& r : res) forwards = std::max(forwards, r.nfe);
          const int64_t batch_id = next_batch++;
          for (size_t i = 0; i < g.items.size(); ++i) {
            const engine::GenerateResult& r = res.at(i);
            results::SampleRecord rec;
            rec.key = g.items[i]->key;
            rec.doc_index = g.items[i]->doc->index;
            rec.output = eng->decode(r.tokens);
            rec.gen = {static_cast<int>(r.tokens.size()), r.nfe, r.blocks, r.remasks, r.revisions, r.hit_eos, {}};
            for (const auto& bs : r.block_stats) rec.gen.block_remasks.push_back(bs.remasks);
            rec.batch = {batch_id, static_cast<int>(g.items.size()), ms, forwards};
            if (sp.trace) rec.trace = trace_json(r, *eng, sp.block_size);
            g.records.push_back(std::move(rec));
          }
          queue.push(std::move(g));
        }
    }
  } catch (...) {
    gen_error = std::current_exception();
  }
  queue.close();  // the scorer finishes (and writes) every batch already generated
  scorer.join();
  progress.stop();
  if (gen_error) std::rethrow_exception(gen_error);
  if (score_error) std::rethrow_exception(score_error);

  // 7. Summary and database.
  json task_versions = json::object(), task_protocols = json::object();
  for (size_t t = 0; t < data.size(); ++t) {
    task_versions[data[t].spec->name] = data[t].spec->version;
    task_protocols[data[t].spec->name] = protocols[t];
  }
  json header = {
      {"label", o.label.empty() ? std::filesystem::path(o.out).lexically_normal().filename().string() : o.label},
      {"run_id", id.run_id},
      {"started_at", id.started_at},
      {"remedi_version", remedi::version()},
      {"git_sha", remedi::git_sha()},
      {"config", config},
      {"config_hash", id.config_hash},
      {"sampler", {{"params", json::parse(engine::params_json(o.sampler))}, {"hash", shash},
                   {"policy", engine::policy_name(o.sampler.policy)}}},
      {"model", model_json(info, mhash)},
      {"environment", environment_json(&info)},
      {"task_versions", task_versions},
      {"protocols", task_protocols},
      {"sandbox", sb ? json(sb->isolation().summary()) : json()},
      {"last_invocation", {{"generated", out.generated}, {"skipped", out.skipped},
                           {"wall_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count()}}}};
  if (header["label"] == "") header["label"] = "run";
  FinalizeResult fin = finalize_run(paths, header, o.tasks, o.db);
  out.summary = fin.summary;
  return out;
}

}  // namespace remedi::cli
