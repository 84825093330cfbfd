// remedi-eval selfcheck --task T [--protocol P] [--data-dir D] [--json]: feeds each dataset's own
// reference answers (solutions, answer keys, canonical code) through the task's extraction and
// scoring and prints how many agree — a check that a scorer and a data file fit together.
// Code tasks run the references in the sandbox; it is started first, before anything else, since
// it forks a supervisor (remedi/sandbox/sandbox.h).
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "command.h"
#include "remedi/common/error.h"
#include "remedi/common/strutil.h"
#include "remedi/sandbox/sandbox.h"
#include "remedi/tasks/selfcheck.h"

namespace {

int run_selfcheck(remedi::Args& a) {
  if (a.help()) {
    std::printf(
        "usage: remedi-eval selfcheck --task T[,T2|all] [--protocol P] [--data-dir D] [--gpqa-password PW] [--json]\n"
        "  --task        task name(s) from `remedi-eval tasks`, comma-separated, or 'all'\n"
        "  --protocol    prompt protocol (default: each task's first)\n"
        "  --data-dir    datasets folder (default: $REMEDI_DATA, else ./data)\n"
        "  --gpqa-password  password of GPQA's dataset.zip (default: $REMEDI_GPQA_PASSWORD)\n"
        "  --json        one JSON object per task: task, protocol, total, agree, status, filters, disagreements\n"
        "exit code: 0 all agree, 1 a reference disagrees or (with several tasks) a data file failed, 2 bad input\n");
    return 0;
  }
  using namespace remedi::tasks;
  std::vector<std::string> names = a.get_list("--task");
  auto protocol = a.opt("--protocol");
  std::string data_dir = resolve_data_dir(a.opt("--data-dir"));
  LoadOptions lo;
  lo.gpqa_password = a.get("--gpqa-password", "");
  bool js = a.flag("--json");
  a.finish();
  if (names.empty()) throw remedi::Error("--task is empty", "--task", "see `remedi-eval tasks`");
  if (names.size() == 1 && names[0] == "all") {
    names.clear();
    for (const auto& t : task_table()) names.push_back(t.name);
  }
  bool any_code = false;
  for (const auto& n : names) any_code = any_code || find_task(n).kind == Kind::Code;

  std::unique_ptr<remedi::sandbox::Sandbox> sb;
  std::string sandbox_note;
  if (any_code) {
    try {
      sb = remedi::sandbox::make_sandbox({});
    } catch (const remedi::Error& e) {
      sandbox_note = e.what();  // code tasks then report "needs sandbox"
    }
  }
  bool all_agree = true;
  bool header = false;  // printed with the first row, so a lone data error prints only the error
  for (const auto& n : names) {
    const TaskSpec& spec = find_task(n);
    std::string proto = protocol ? *protocol : spec.protocols.front();
    check_protocol(spec, proto);
    SelfcheckResult r;
    try {
      TaskData t = load_task(n, data_dir, lo);
      r = selfcheck(t, proto, sb.get());
    } catch (const remedi::Error& e) {
      if (names.size() == 1) throw;
      r.task = n;
      r.protocol = proto;
      r.status = std::string("data error: ") + e.what();
    }
    if (r.status == "needs sandbox" && !sandbox_note.empty()) r.status += " (" + sandbox_note + ")";
    if ((r.status == "ok" && r.agree != r.total) || remedi::starts_with(r.status, "data error")) all_agree = false;
    if (js) {
      nlohmann::json j = {{"task", r.task},   {"protocol", r.protocol}, {"total", r.total}, {"agree", r.agree},
                          {"status", r.status}, {"filters", r.per_filter}, {"disagreements", r.disagreements}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      if (!header) std::printf("%-14s %-13s %7s %7s  %s\n", "task", "protocol", "total", "agree", "status");
      header = true;
      std::printf("%-14s %-13s %7lld %7lld  %s\n", r.task.c_str(), r.protocol.c_str(), static_cast<long long>(r.total),
                  static_cast<long long>(r.agree), r.status.c_str());
      for (const auto& [f, c] : r.per_filter)
        std::printf("  %-12s %lld/%lld\n", f.c_str(), static_cast<long long>(c), static_cast<long long>(r.total));
      for (const auto& d : r.disagreements) std::printf("  disagrees: %s\n", d.c_str());
    }
  }
  return all_agree ? 0 : 1;
}

}  // namespace

REMEDI_COMMAND(selfcheck, "selfcheck", "score each dataset's reference answers (scorer/data fit check)", run_selfcheck)
