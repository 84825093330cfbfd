// Sandbox throughput: executions per second through the full jail (supervisor, namespaces,
// seccomp, fresh interpreter per job) on a 2-worker pool, for a trivial program and for the 164
// HumanEval canonical solutions with their tests. Issue 3 goal: >= 20 executions/s on 2 cores.
//
//   build-x/tests/bench/bench_sandbox [--benchmark_repetitions=5]   (median is reported)
//   REMEDI_BENCH_WORKERS=N overrides the pool size (default 2).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include "remedi/common/strutil.h"
#include "remedi/sandbox/sandbox.h"

namespace sb = remedi::sandbox;

namespace {

sb::Sandbox* g_box = nullptr;

std::string datasets_dir() {
  if (const char* e = std::getenv("REMEDI_DATA")) return e;
  return std::string(REMEDI_SOURCE_DIR) + "/../shared/datasets";
}

// HumanEval canonical solutions + tests; empty when the data is absent.
std::vector<sb::ExecRequest> humaneval_requests() {
  std::vector<sb::ExecRequest> reqs;
  gzFile f = gzopen((datasets_dir() + "/humaneval/HumanEval.jsonl.gz").c_str(), "rb");
  if (!f) return reqs;
  std::string text;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  gzclose(f);
  for (auto& line : remedi::split(text, '\n')) {
    if (remedi::trim(line).empty()) continue;
    auto p = nlohmann::json::parse(line);
    sb::ExecRequest r;
    r.program = p["prompt"].get<std::string>() + p["canonical_solution"].get<std::string>();
    r.tests = p["test"].get<std::string>() + "\ncheck(" + p["entry_point"].get<std::string>() + ")\n";
    r.limits.timeout_s = r.limits.cpu_s = 20;
    reqs.push_back(std::move(r));
  }
  return reqs;
}

void run_batch(benchmark::State& state, const std::vector<sb::ExecRequest>& reqs) {
  int64_t done = 0, not_pass = 0;
  for (auto _ : state) {
    auto res = g_box->run_batch(reqs);
    for (auto& r : res) not_pass += r.outcome != sb::Outcome::Pass;
    done += static_cast<int64_t>(reqs.size());
  }
  state.SetItemsProcessed(done);  // items/s = executions per second
  state.counters["not_pass"] = static_cast<double>(not_pass);
  state.counters["workers"] = g_box->workers();
}

void BM_TrivialProgram(benchmark::State& state) {
  sb::ExecRequest r;
  r.program = "x = sum(range(10))\nassert x == 45\n";
  run_batch(state, std::vector<sb::ExecRequest>(64, r));
}

void BM_HumanEvalCanonical(benchmark::State& state) {
  static const std::vector<sb::ExecRequest> reqs = humaneval_requests();
  if (reqs.empty()) {
    state.SkipWithError("HumanEval data not found (set REMEDI_DATA)");
    for (auto _ : state) {
    }
    return;
  }
  run_batch(state, reqs);
}

}  // namespace

int main(int argc, char** argv) {
  // The supervisor is forked before Google Benchmark starts anything.
  sb::SandboxOptions opts;
  opts.workers = 2;
  if (const char* w = std::getenv("REMEDI_BENCH_WORKERS")) opts.workers = std::atoi(w);
  auto box = sb::make_sandbox(opts);
  g_box = box.get();
  std::fprintf(stderr, "%s\nworkers: %d\n", box->isolation().summary().c_str(), box->workers());
  benchmark::RegisterBenchmark("sandbox/trivial_program", BM_TrivialProgram)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(1);
  benchmark::RegisterBenchmark("sandbox/humaneval_canonical", BM_HumanEvalCanonical)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
