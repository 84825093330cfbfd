// selfcheck: the dataset's reference outputs through the task's own filters and scorer.
#include "remedi/tasks/selfcheck.h"

namespace remedi::tasks {

SelfcheckResult selfcheck(const TaskData& t, const std::string& protocol, sandbox::Executor* sandbox) {
  check_protocol(*t.spec, protocol);
  SelfcheckResult r;
  r.task = t.spec->name;
  r.protocol = protocol;
  r.total = static_cast<int64_t>(t.docs.size());
  if (!t.spec->reference_output && t.spec->check_doc) {
    // No reference responses exist (IFEval): check that the scorer accepts every document.
    r.status = "ok";
    r.per_filter["kwargs_valid"] = 0;
    for (const auto& d : t.docs) {
      std::string why = t.spec->check_doc(t, d);
      if (why.empty()) {
        ++r.agree;
        ++r.per_filter["kwargs_valid"];
      } else if (r.disagreements.size() < 20) {
        r.disagreements.push_back(d.id + ": " + why);
      }
    }
    return r;
  }
  if (!t.spec->reference_output) {
    r.status = "no reference outputs";
    return r;
  }
  if (t.spec->kind == Kind::Code && !sandbox) {
    r.status = "needs sandbox";
    return r;
  }
  r.status = "ok";
  for (const auto& f : t.spec->selfcheck_filters) r.per_filter[f] = 0;
  std::vector<const Doc*> docs;
  std::vector<std::string> outputs;
  for (const auto& d : t.docs) {
    docs.push_back(&d);
    outputs.push_back(t.spec->reference_output(t, d, protocol));
  }
  std::vector<Score> scores = score_batch(t, docs, outputs, protocol, sandbox);
  for (size_t i = 0; i < docs.size(); ++i) {
    const Doc& d = *docs[i];
    const Score& s = scores[i];
    bool all = true;
    for (const auto& name : t.spec->selfcheck_filters) {
      const FilterVerdict* f = s.find(name);
      bool ok = f && f->correct;
      if (ok) ++r.per_filter[name];
      all = all && ok;
      if (!ok && r.disagreements.size() < 20) {
        std::string why = d.id + ": " + name + " extracted=" + (f ? f->extracted.substr(0, 200) : "?") + " gold=" + d.gold;
        for (const auto& g : s.graders) why += " [" + g.grader + ": " + g.verdict + " " + g.detail.substr(0, 300) + "]";
        r.disagreements.push_back(why);
      }
    }
    if (all) ++r.agree;
  }
  return r;
}

}  // namespace remedi::tasks
