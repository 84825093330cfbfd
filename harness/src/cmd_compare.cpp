// remedi-eval compare RUN_A RUN_B: per-task deltas, paired tests, flipped samples; a CI gate.
#include <cstdio>

#include "command.h"
#include "remedi/common/error.h"
#include "remedi/common/strutil.h"
#include "remedi/results/compare.h"

static const char* kHelp = R"(usage: remedi-eval compare RUN_A RUN_B [--fail-if-worse PCT] [--max-flips N]

Pairs the samples of two finished runs on (task, doc, repeat) and prints, per task, the primary
metric of A and B, the delta (B - A, percentage points), the paired test (exact McNemar for pass/fail
verdicts, paired bootstrap with a fixed seed otherwise) and the samples that flipped.
  --fail-if-worse PCT   exit 1 when any task of B is more than PCT points below A (a CI gate)
  --max-flips N         flipped samples listed per task (default 20)
Exit codes: 0 ok (or no gate tripped), 1 gate tripped, 2 bad input.
)";

static int run_compare(remedi::Args& a) {
  using namespace remedi;
  if (a.help()) {
    std::printf("%s", kHelp);
    return 0;
  }
  auto gate = a.opt("--fail-if-worse");
  int max_flips = static_cast<int>(a.get_int("--max-flips", 20));
  auto pos = a.positional();
  a.finish();
  if (pos.size() != 2) throw Error("compare takes two run directories", "compare", "remedi-eval compare RUN_A RUN_B");
  double pct = 0;
  if (gate) {
    char* end = nullptr;
    pct = std::strtod(gate->c_str(), &end);
    if (*end != '\0' || pct < 0) throw Error("--fail-if-worse needs a number of points >= 0", *gate);
  }
  auto ra = results::load_run(pos[0]);
  auto rb = results::load_run(pos[1]);
  auto c = results::compare_runs(ra, rb);
  std::printf("%s", results::format_comparison(c, max_flips).c_str());
  if (gate) {
    auto worse = c.worse_than(pct);
    if (!worse.empty()) {
      std::printf("FAIL: %s dropped more than %g points\n", join(worse, ", ").c_str(), pct);
      return 1;
    }
    std::printf("gate ok: no task dropped more than %g points\n", pct);
  }
  return 0;
}

REMEDI_COMMAND(compare, "compare", "compare two runs: deltas, paired tests, flipped samples, CI gate", run_compare)
