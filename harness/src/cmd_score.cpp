// remedi-eval score RUN_DIR: re-score stored outputs without the engine (lib/rescore.h).
#include <cstdio>

#include "command.h"
#include "lib/rescore.h"
#include "lib/run_finalize.h"
#include "remedi/common/error.h"

static const char* kHelp = R"(usage: remedi-eval score RUN_DIR [--data-dir D] [--db FILE | --no-db]

Recomputes every verdict and metric of RUN_DIR from the raw outputs in samples.jsonl with the
current extraction and scoring code; rewrites samples.jsonl and summary.json and re-indexes the run.
  --data-dir D          benchmark files (default: the data dir the run recorded)
  --db FILE             run database to update (default ./runs.sqlite); --no-db to skip
  --sandbox-workers N   concurrent code executions (default: online CPUs)
)";

static int run_score(remedi::Args& a) {
  using namespace remedi;
  if (a.help()) {
    std::printf("%s", kHelp);
    return 0;
  }
  cli::RescoreOptions o;
  o.data_dir = a.get("--data-dir", "");
  o.db = a.get("--db", "runs.sqlite");
  if (a.flag("--no-db")) o.db.clear();
  o.sandbox_workers = static_cast<int>(a.get_int("--sandbox-workers", 0));
  auto pos = a.positional();
  a.finish();
  if (pos.size() != 1) throw Error("score takes exactly one RUN_DIR", "score", "remedi-eval score RUN_DIR");
  o.run_dir = pos[0];
  auto r = cli::rescore_run(o);
  std::printf("%s", cli::summary_text(r.summary).c_str());
  std::printf("re-scored %lld samples, %lld primary verdicts changed\n", static_cast<long long>(r.samples),
              static_cast<long long>(r.changed));
  return 0;
}

REMEDI_COMMAND(score, "score", "re-score a run's stored outputs without the engine", run_score)
