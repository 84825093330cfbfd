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
#include "run_finalize.h"
#include "run_plan.h"
#include "sample_builder.h"

namespace remedi::cli {

using nlohmann::json;

namespace {

// A generate call's samples on their way to the scorer: records filled except verdicts.
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
  bool pop(Generated& g) {  // false once closed and drained, or aborted
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

// The sandbox supervisor is forked before anything starts a thread, and only for code tasks.
std::unique_ptr<sandbox::Sandbox> sandbox_if_needed(const RunOptions& o) {
  for (const auto& name : o.tasks)
    if (tasks::find_task(name).kind == tasks::Kind::Code) {
      sandbox::SandboxOptions so;
      so.workers = o.sandbox_workers;
      auto sb = sandbox::make_sandbox(so);
      std::fprintf(stderr, "sandbox: %s\n", sb->isolation().summary().c_str());
      return sb;
    }
  return nullptr;
}

// sha256 over (file name, file hash) pairs; presets are random weights named by preset and seed.
std::string model_hash(const engine::ModelInfo& info, const engine::Engine::FileHashes& hashes) {
  if (hashes.empty()) return sha256_hex("preset:" + info.name + "#weight_seed=0");
  Sha256 h;
  for (const auto& [file, hash] : hashes)
    h.update(std::filesystem::path(file).filename().string() + ":" + hash + "\n");
  return h.hex();
}

json model_json(const engine::ModelInfo& info, const engine::Engine::FileHashes& hashes, const std::string& hash) {
  json files = json::object();
  for (const auto& [file, h] : hashes) files[std::filesystem::path(file).filename().string()] = h;
  return {{"name", info.name}, {"kind", info.kind}, {"hash", hash}, {"files", files}, {"params", info.params},
          {"has_confidence", info.has_confidence}, {"device", info.device}, {"dtype", info.dtype}};
}

// Generates one call's requests (o.batch rows at a time, finished rows refilled from the rest) and
// turns the results into records (everything but the verdicts).
Generated generate_batch(engine::Engine& eng, const TextCodec& codec, const RunOptions& o, size_t task,
                         std::vector<const WorkItem*> items, int64_t batch_id) {
  Generated g;
  g.task = task;
  g.items = std::move(items);
  std::vector<engine::GenerateRequest> reqs;
  for (const WorkItem* w : g.items) reqs.push_back({*w->ids, w->seed});
  engine::SamplerParams sp = o.sampler;
  sp.trace = g.items.front()->trace;  // traced samples are batched apart (tracing is per call)
  // Batched forwards of the call: every denoising step, one commit per block round, one prefill per
  // batch (a round 0 starts each batch); a refilled row's own prompt forward is not counted.
  int forwards = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto res = eng.generate(reqs, sp, [&forwards](int round, int step) {
    forwards += 1 + (step == 0 ? 1 : 0) + (round == 0 && step == 0 ? 1 : 0);
  });
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  for (size_t i = 0; i < g.items.size(); ++i) {
    const engine::GenerateResult& r = res.at(i);
    results::SampleRecord rec;
    rec.key = g.items[i]->key;
    rec.doc_index = g.items[i]->doc->index;
    rec.output = codec.decode(r.tokens);
    rec.gen = {static_cast<int>(r.tokens.size()), r.nfe, r.blocks, r.remasks, r.revisions, r.hit_eos, {}};
    for (const auto& bs : r.block_stats) rec.gen.block_remasks.push_back(bs.remasks);
    rec.batch = {batch_id, static_cast<int>(g.items.size()), ms, forwards};
    if (sp.trace) rec.trace = trace_json(r, codec, sp.block_size);
    g.records.push_back(std::move(rec));
  }
  return g;
}

// Scores a generated batch (code tasks: all sandbox jobs in one run_batch) and appends it durably.
// Returns the number of generated tokens in the batch.
int64_t score_and_append(Generated& g, const RunPlan& plan, sandbox::Executor* sb, const std::string& samples_path) {
  const tasks::TaskData& td = plan.data[g.task];
  const std::string& protocol = plan.protocols[g.task];
  std::vector<const tasks::Doc*> docs;
  std::vector<std::string> outputs;
  for (size_t i = 0; i < g.items.size(); ++i) {
    docs.push_back(g.items[i]->doc);
    outputs.push_back(cut_at_stop(g.records[i].output, g.items[i]->prompt->stop));
  }
  auto scores = tasks::score_batch(td, docs, outputs, protocol, sb);
  int64_t tokens = 0;
  for (size_t i = 0; i < g.items.size(); ++i) {
    apply_score(g.records[i], td, *g.items[i]->doc, protocol, *g.items[i]->prompt, scores.at(i));
    tokens += g.records[i].gen.tokens;
  }
  results::append_records(samples_path, g.records);  // durable before it counts as done
  return tokens;
}

}  // namespace

RunOutcome run_evaluation(const RunOptions& o) {
  const auto t_start = std::chrono::steady_clock::now();
  std::unique_ptr<sandbox::Sandbox> sb = sandbox_if_needed(o);  // 1. before any thread
  RunPlan plan;
  load_plan_tasks(plan, o);                                      // 2. data files

  engine::EngineOptions eo;                                      // 3. model
  eo.model = o.model;
  eo.device = o.device;
  eo.dtype = o.dtype;
  eo.max_batch = o.batch;
  auto eng = engine::Engine::open(eo);
  auto codec = make_text_codec(*eng, o.tokenizer);
  const engine::ModelInfo& info = eng->info();
  const std::string mhash = model_hash(info, eng->file_hashes());
  const std::string shash = engine::params_hash(o.sampler);

  // 4. Run directory: fresh, or resumed under the same configuration (model hash included).
  json config = o.config_json();
  config["model_hash"] = mhash;
  results::RunPaths paths(o.out);
  results::RunIdentity id = results::open_run_dir(paths, config, o.resume);
  results::RecordFileContents existing;
  if (o.resume) existing = results::recover_records(paths.samples());
  if (existing.torn_tail) std::fprintf(stderr, "resume: dropped a torn last line of %s\n", paths.samples().c_str());
  std::set<std::string> done_keys;
  int64_t next_batch = 0;
  for (const auto& r : existing.records) {
    done_keys.insert(r.key.str());
    next_batch = std::max(next_batch, r.batch.id + 1);
  }

  plan_work(plan, o, *codec, shash, mhash, done_keys);             // 5. prompts and work list
  RunOutcome out;
  out.dir = o.out;
  out.run_id = id.run_id;
  for (size_t t = 0; t < plan.data.size(); ++t) {
    out.generated += plan.todo[t];
    out.skipped += plan.done_before[t];
  }
  std::fprintf(stderr, "run %s: %lld samples to generate, %lld already done; model %s (%s, %s), policy %s, steps %d\n",
               id.run_id.c_str(), static_cast<long long>(out.generated), static_cast<long long>(out.skipped),
               info.name.c_str(), info.device.c_str(), info.dtype.c_str(), engine::policy_name(o.sampler.policy),
               o.sampler.steps);

  // 6. Generation on this thread, scoring + durable appends on another.
  ProgressOptions po;
  po.tty = ::isatty(STDERR_FILENO);
  po.stall_warn_s = o.stall_warn_s;
  Progress progress(o.tasks, plan.todo, plan.done_before, po);
  progress.start();
  BatchQueue queue;
  std::exception_ptr score_error, gen_error;
  std::thread scorer([&] {
    try {
      Generated g;
      while (queue.pop(g)) {
        int64_t tokens = score_and_append(g, plan, sb.get(), paths.samples());
        progress.add(g.task, static_cast<int64_t>(g.records.size()), tokens);
      }
    } catch (...) {
      score_error = std::current_exception();
      queue.abort();  // stops the generation loop at its next batch
    }
  });
  try {
    for (size_t t = 0; t < plan.data.size() && !queue.aborted(); ++t) {
      std::vector<const WorkItem*> traced, plain;
      for (const auto& w : plan.work[t]) (w.trace ? traced : plain).push_back(&w);
      for (auto* group : {&traced, &plain})
        for (size_t b = 0, per_call = static_cast<size_t>(o.batch) * o.queue; b < group->size() && !queue.aborted();
             b += per_call) {
          std::vector<const WorkItem*> items(group->begin() + b, group->begin() + std::min(group->size(), b + per_call));
          queue.push(generate_batch(*eng, *codec, o, t, std::move(items), next_batch++));
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
  for (size_t t = 0; t < plan.data.size(); ++t) {
    task_versions[plan.data[t].spec->name] = plan.data[t].spec->version;
    task_protocols[plan.data[t].spec->name] = plan.protocols[t];
  }
  std::string label = o.label.empty() ? std::filesystem::path(o.out).lexically_normal().filename().string() : o.label;
  if (label.empty()) label = std::filesystem::path(o.out).lexically_normal().parent_path().filename().string();
  json header = {
      {"label", label},
      {"run_id", id.run_id},
      {"started_at", id.started_at},
      {"remedi_version", remedi::version()},
      {"git_sha", remedi::git_sha()},
      {"config", config},
      {"config_hash", id.config_hash},
      {"sampler", {{"params", json::parse(engine::params_json(o.sampler))}, {"hash", shash},
                   {"policy", engine::policy_name(o.sampler.policy)}}},
      {"model", model_json(info, eng->file_hashes(), mhash)},
      {"tokenizer", codec->source()},
      {"environment", environment_json(&info)},
      {"task_versions", task_versions},
      {"protocols", task_protocols},
      {"sandbox", sb ? json(sb->isolation().summary()) : json()},
      {"last_invocation", {{"generated", out.generated}, {"skipped", out.skipped},
                           {"wall_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count()}}}};
  out.summary = finalize_run(paths, header, o.tasks, o.db).summary;
  return out;
}

}  // namespace remedi::cli
