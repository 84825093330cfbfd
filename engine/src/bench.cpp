#include "remedi/engine/bench.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "device_info.h"
#include "fused_ops.h"
#include "remedi/common/error.h"
#include "torch_model.h"

namespace remedi::engine {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double idx = p * double(v.size() - 1);
  size_t lo = static_cast<size_t>(idx);
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (idx - double(lo));
}

// Wraps the real model and times every forward twice: on the device's clock (CUDA events the model
// records from before its token upload to its outputs' arrival on the host: the issue's "ms per
// forward") and on the host's (synchronised before and after the call: host work included).
class TimingModel : public DenoiseModel {
 public:
  TimingModel(TorchModel& m, std::string dev) : m_(m), dev_(std::move(dev)), timer_(dev_) {
    m_.set_step_timer(&timer_);
  }
  ~TimingModel() override { m_.set_step_timer(nullptr); }
  int32_t mask_id() const override { return m_.mask_id(); }
  int32_t eos_id() const override { return m_.eos_id(); }
  bool has_confidence() const override { return m_.has_confidence(); }
  void prefill(const std::vector<std::vector<int32_t>>& p) override {
    auto t0 = start();
    m_.prefill(p);
    prefill_ms = stop(t0);
  }
  void step(const std::vector<int32_t>& t, const StepSampling& s, StepOutput& o) override {
    auto t0 = start();
    m_.step(t, s, o);
    step_wall_ms.push_back(stop(t0));
    step_ms.push_back(timer_.elapsed_ms());
  }
  void commit(const std::vector<int32_t>& t) override {
    auto t0 = start();
    m_.commit(t);
    stop(t0);
    commit_ms.push_back(timer_.elapsed_ms());
  }
  void clear() {
    step_ms.clear();
    step_wall_ms.clear();
    commit_ms.clear();
  }
  std::vector<double> step_ms, step_wall_ms, commit_ms;
  double prefill_ms = 0;

 private:
  Clock::time_point start() {
    device_synchronize(dev_);
    return Clock::now();
  }
  double stop(Clock::time_point t0) {
    device_synchronize(dev_);
    return ms_since(t0);
  }
  TorchModel& m_;
  std::string dev_;
  StreamTimer timer_;
};

}  // namespace

double measure_copy_bandwidth(const std::string& device) {
  c10::InferenceMode im;
  const int64_t n = device == "cpu" ? (int64_t(256) << 20) : (int64_t(4) << 30);  // bytes per buffer
  auto o = at::TensorOptions().device(at::Device(device)).dtype(at::kByte);
  auto a = at::empty({n}, o).random_(0, 255), b = at::empty({n}, o);
  for (int i = 0; i < 3; ++i) b.copy_(a);  // warm-up
  const int reps = 10;
  device_synchronize(device);
  auto t0 = Clock::now();
  for (int i = 0; i < reps; ++i) b.copy_(a);
  device_synchronize(device);
  double s = ms_since(t0) / 1e3;
  return 2.0 * double(n) * reps / s;  // read + write
}

namespace {

// Random prompts (ordinary ids, below the special tokens) and per-row seeds, fixed by cfg.seed.
std::vector<GenerateRequest> bench_requests(const BenchConfig& cfg) {
  std::vector<GenerateRequest> reqs(cfg.batch);
  uint64_t s = cfg.seed * 2654435761ULL + 12345;
  for (int r = 0; r < cfg.batch; ++r) {
    reqs[r].seed = cfg.seed + r;
    const int shorter = cfg.prefix_spread > 0 ? (r * 37) % (cfg.prefix_spread + 1) : 0;
    reqs[r].prompt.resize(std::max(1, cfg.prefix - shorter));
    for (auto& id : reqs[r].prompt) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      id = static_cast<int32_t>((s >> 33) % 100000);
    }
  }
  return reqs;
}

TorchModel& bench_model(Engine& engine, const BenchConfig& cfg) {
  auto* tm = dynamic_cast<TorchModel*>(&engine.model());
  if (!tm) throw Error("bench needs a LibTorch model", "bench");
  if (cfg.batch < 1 || cfg.prefix < 1 || cfg.gen < 1 || cfg.prefix_spread < 0)
    throw Error("bench: batch, prefix and gen must be positive (and the prefix spread not negative)", "bench");
  return *tm;
}

struct PathRestore {  // the bench may switch the path; leave the model as it was
  TorchModel* m;
  bool graphs, fused;
  PathRestore(TorchModel* model, const BenchConfig& cfg)
      : m(model), graphs(model->step_graphs()), fused(fused_kernels()) {
    m->set_step_graphs(cfg.step_graphs);
    set_fused_kernels(cfg.fused_kernels);
  }
  ~PathRestore() {
    m->set_step_graphs(graphs);
    set_fused_kernels(fused);
  }
};

}  // namespace

BenchResult bench_generation(Engine& engine, const BenchConfig& cfg, double copy_bandwidth) {
  TorchModel* tm = &bench_model(engine, cfg);
  const ModelConfig& mc = tm->config();
  SamplerParams sp = cfg.params;
  sp.stop_at_eos = false;  // random weights: fixed lengths
  std::string dev = tm->device().str();
  auto reqs = bench_requests(cfg);
  PathRestore restore(tm, cfg);
  TimingModel timed(*tm, dev);
  // Warm-up (excluded): kernels, allocator and cache allocation at the final shape.
  SamplerParams warm = sp;
  warm.max_new_tokens = cfg.warmup_blocks * sp.block_size;
  tm->reserve_new_tokens(((cfg.gen + sp.block_size - 1) / sp.block_size) * sp.block_size);
  generate(timed, reqs, warm, {});
  timed.clear();
  cuda_reset_peak_memory(tm->device().is_cuda() ? std::max<int>(0, tm->device().index()) : 0);

  SamplerParams run = sp;
  run.max_new_tokens = cfg.gen;
  device_synchronize(dev);
  const int64_t captures0 = tm->graph_captures();
  auto t0 = Clock::now();
  auto res = generate(timed, reqs, run, {});
  device_synchronize(dev);
  double total_ms = ms_since(t0);

  BenchResult b;
  b.config = cfg;
  b.step_forwards = static_cast<int64_t>(timed.step_ms.size());
  b.forwards = b.step_forwards + static_cast<int64_t>(timed.commit_ms.size());
  b.step_ms_p50 = percentile(timed.step_ms, 0.5);
  b.step_ms_p95 = percentile(timed.step_ms, 0.95);
  b.step_wall_ms_p50 = percentile(timed.step_wall_ms, 0.5);
  double sum = 0;
  for (double x : timed.step_ms) sum += x;
  b.step_ms_mean = timed.step_ms.empty() ? 0 : sum / double(timed.step_ms.size());
  b.commit_ms_p50 = percentile(timed.commit_ms, 0.5);
  b.prefill_ms = timed.prefill_ms;
  b.total_s = total_ms / 1e3;
  int64_t toks = 0;
  for (auto& r : res) toks += static_cast<int64_t>(r.raw_tokens.size());
  b.tok_s = double(toks) / b.total_s;
  const double per_step = sp.steps > 0 ? double(sp.block_size) / sp.steps : 0.0;  // tokens kept per row per step
  b.step_tok_s = b.step_ms_p50 > 0 ? cfg.batch * per_step * 1e3 / b.step_ms_p50 : 0.0;
  if (!res.empty()) b.first_row_tokens = res[0].raw_tokens;
  b.forwards_s = double(b.forwards + 1) / b.total_s;
  b.graph_captures = tm->graph_captures() - captures0;
  b.peak_mem_bytes = cuda_peak_memory_bytes(tm->device().is_cuda() ? std::max<int>(0, tm->device().index()) : 0);
  b.graph_replay_ms = tm->device().is_cuda() ? std::max(0.0, tm->replay_step_graph_ms(20)) : 0.0;

  // Bytes one step forward must stream: every weight except the embedding table (only B*T rows of
  // it are gathered), plus the K and V of every layer over the slots attended (mean over blocks).
  const auto& w = tm->weights();
  double elt = tm->dtype() == at::kFloat ? 4.0 : 2.0;
  b.weight_bytes = double(w.bytes()) - double(w.wte.numel()) * elt;
  int layers = mc.n_layers + static_cast<int>(w.ups.size());
  int blocks = (cfg.gen + sp.block_size - 1) / sp.block_size;
  double mean_prompt = 0;
  for (const auto& r : reqs) mean_prompt += double(r.prompt.size()) / double(reqs.size());
  double mean_kv_len = mean_prompt + sp.block_size * (blocks + 1) / 2.0;  // block b attends prompt + 32(b+1)
  b.kv_bytes = double(layers) * cfg.batch * mean_kv_len * mc.d_model * 2.0 * elt;
  b.floor_ms = (b.weight_bytes + b.kv_bytes) / copy_bandwidth * 1e3;
  b.ratio = b.floor_ms > 0 ? b.step_ms_p50 / b.floor_ms : 0;
  return b;
}

namespace {

// Passes every call through to the model and turns the profiler on at the first step, so that the
// prompt's prefill (one forward per row, much larger than a step) stays out of the profile.
class ProfilingModel : public DenoiseModel {
 public:
  ProfilingModel(TorchModel& m, torch::profiler::impl::ProfilerConfig pc,
                 std::set<torch::profiler::impl::ActivityType> acts)
      : m_(m), pc_(std::move(pc)), acts_(std::move(acts)) {}
  ~ProfilingModel() override {
    if (on_) torch::autograd::profiler::disableProfiler();  // an exception left it running
  }
  int32_t mask_id() const override { return m_.mask_id(); }
  int32_t eos_id() const override { return m_.eos_id(); }
  bool has_confidence() const override { return m_.has_confidence(); }
  void prefill(const std::vector<std::vector<int32_t>>& p) override {
    m_.prefill(p);
    device_synchronize(m_.device().str());
  }
  void step(const std::vector<int32_t>& t, const StepSampling& s, StepOutput& o) override {
    if (!on_) {
      torch::autograd::profiler::enableProfiler(pc_, acts_);
      on_ = true;
    }
    m_.step(t, s, o);
    ++forwards;
  }
  void commit(const std::vector<int32_t>& t) override {
    m_.commit(t);
    ++forwards;
  }
  std::unique_ptr<torch::autograd::profiler::ProfilerResult> finish() {
    if (!on_) throw Error("profile: the generation ran no denoising step", "bench");
    device_synchronize(m_.device().str());
    on_ = false;
    return torch::autograd::profiler::disableProfiler();
  }
  int64_t forwards = 0;

 private:
  TorchModel& m_;
  torch::profiler::impl::ProfilerConfig pc_;
  std::set<torch::profiler::impl::ActivityType> acts_;
  bool on_ = false;
};

}  // namespace

ProfileResult profile_generation(Engine& engine, const BenchConfig& cfg, const std::string& trace_path) {
  namespace prof = torch::autograd::profiler;
  using torch::profiler::impl::ActivityType;
  TorchModel* tm = &bench_model(engine, cfg);
  SamplerParams sp = cfg.params;
  sp.stop_at_eos = false;
  sp.max_new_tokens = sp.block_size;  // one block: its steps and its commit
  auto reqs = bench_requests(cfg);
  PathRestore restore(tm, cfg);
  tm->reserve_new_tokens(sp.block_size);
  generate(*tm, reqs, sp, {});  // warm-up at this shape (kernels, workspaces, cache)
  device_synchronize(tm->device().str());

  std::set<ActivityType> acts{ActivityType::CPU};
  if (tm->device().is_cuda()) acts.insert(ActivityType::CUDA);
  torch::profiler::impl::ProfilerConfig pc(torch::profiler::impl::ProfilerState::KINETO);
  prof::prepareProfiler(pc, acts);
  ProfilingModel profiled(*tm, pc, acts);
  generate(profiled, reqs, sp, {});
  auto result = profiled.finish();

  ProfileResult out;
  out.forwards = profiled.forwards;  // the block's steps and its commit (the prefill is not profiled)
  std::map<std::string, KernelStat> by_name;
  for (const auto& e : result->events()) {
    if (e.deviceType() != c10::DeviceType::CUDA) continue;  // device activity: kernels, copies, sets
    auto& k = by_name[e.name()];
    k.name = e.name();
    k.count += 1;
    k.total_us += double(e.durationNs()) / 1e3;
  }
  for (auto& [_, k] : by_name) {
    out.device_ms += k.total_us / 1e3;
    out.kernels.push_back(std::move(k));
  }
  std::sort(out.kernels.begin(), out.kernels.end(),
            [](const KernelStat& a, const KernelStat& b) { return a.total_us > b.total_us; });
  if (!trace_path.empty()) result->save(trace_path);
  return out;
}

}  // namespace remedi::engine
