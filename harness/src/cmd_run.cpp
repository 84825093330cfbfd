// remedi-eval run: evaluate a model on tasks (see lib/run_pipeline.h for the stages).
#include <cstdio>

#include "command.h"
#include "lib/run_finalize.h"
#include "lib/run_options.h"
#include "lib/run_pipeline.h"
#include "sampler_flags.h"

static int run_run(remedi::Args& a) {
  using namespace remedi::cli;
  if (a.help()) {
    std::printf("%s\n%s", run_help(), sampler_flags_help());
    return 0;
  }
  RunOptions o = parse_run_options(a);
  a.finish();
  RunOutcome r = run_evaluation(o);
  std::printf("%s", summary_text(r.summary).c_str());
  std::printf("run %s: %lld generated, %lld resumed from disk\nresults: %s/summary.json\n", r.run_id.c_str(),
              static_cast<long long>(r.generated), static_cast<long long>(r.skipped), r.dir.c_str());
  if (!o.db.empty()) std::printf("indexed into %s\n", o.db.c_str());
  return 0;
}

REMEDI_COMMAND(run, "run", "evaluate a model on tasks: generate, score, record, summarise", run_run)
