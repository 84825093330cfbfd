// Batch scoring. The task hooks call Executor::run() one job at a time; to use the sandbox's worker
// pool, scoring runs twice: first against a recorder that collects every job (and answers
// "deferred"), then, after one run_batch() of the collected jobs, against a replayer that hands
// back the real results in the same order. Hooks are deterministic, so both passes ask for the
// same jobs in the same order.
#include <stdexcept>

#include "remedi/common/error.h"
#include "remedi/sandbox/executor.h"
#include "remedi/tasks/registry.h"

namespace remedi::tasks {

namespace {

class Recorder : public sandbox::Executor {
 public:
  std::vector<sandbox::ExecRequest> jobs;
  sandbox::ExecResult run(const sandbox::ExecRequest& r) override {
    jobs.push_back(r);
    sandbox::ExecResult x;
    x.outcome = sandbox::Outcome::SandboxError;
    x.detail = "deferred";
    return x;
  }
  std::vector<sandbox::ExecResult> run_batch(const std::vector<sandbox::ExecRequest>& rs) override {
    std::vector<sandbox::ExecResult> v;
    for (const auto& r : rs) v.push_back(run(r));
    return v;
  }
};

class Replayer : public sandbox::Executor {
 public:
  explicit Replayer(std::vector<sandbox::ExecResult> r) : results_(std::move(r)) {}
  sandbox::ExecResult run(const sandbox::ExecRequest&) override {
    if (next_ >= results_.size()) throw std::logic_error("score_batch: a task hook is not deterministic");
    return results_[next_++];
  }
  std::vector<sandbox::ExecResult> run_batch(const std::vector<sandbox::ExecRequest>& rs) override {
    std::vector<sandbox::ExecResult> v;
    for (const auto& r : rs) v.push_back(run(r));
    return v;
  }

 private:
  std::vector<sandbox::ExecResult> results_;
  size_t next_ = 0;
};

}  // namespace

std::vector<Score> score_batch(const TaskData& t, const std::vector<const Doc*>& docs,
                               const std::vector<std::string>& outputs, const std::string& protocol,
                               sandbox::Executor* sb) {
  if (docs.size() != outputs.size()) throw std::invalid_argument("score_batch: docs and outputs differ in length");
  std::vector<Score> out;
  if (!sb || t.spec->kind != Kind::Code) {
    for (size_t i = 0; i < docs.size(); ++i) out.push_back(score(t, *docs[i], protocol, outputs[i], sb));
    return out;
  }
  Recorder rec;
  for (size_t i = 0; i < docs.size(); ++i) score(t, *docs[i], protocol, outputs[i], &rec);
  Replayer rep(rec.jobs.empty() ? std::vector<sandbox::ExecResult>{} : sb->run_batch(rec.jobs));
  for (size_t i = 0; i < docs.size(); ++i) out.push_back(score(t, *docs[i], protocol, outputs[i], &rep));
  return out;
}

}  // namespace remedi::tasks
