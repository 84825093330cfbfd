#!/usr/bin/env bash
# The README's main command: a tiny random-weight RemeDi checkpoint, the small task set that ships
# with the project (harness/data: GSM8K-, MATH-, ARC- and HumanEval-format problems written for
# remedi-eval), a full `remedi-eval run` on the CPU, and the HTML report. The tiny model's answers are
# garbage (its weights are random); the pipeline around it is the real one.
#
#   scripts/demo.sh [OUT_DIR]          (default: out/demo; re-running resumes / re-reports)
#   REMEDI_BIN=path/to/remedi-eval scripts/demo.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/out/demo}"
BIN="${REMEDI_BIN:-$ROOT/build/harness/remedi-eval}"

if [[ ! -x "$BIN" ]]; then
  echo "demo: building remedi-eval in $ROOT/build (first time only)" >&2
  cmake -S "$ROOT" -B "$ROOT/build" -G Ninja >/dev/null
  cmake --build "$ROOT/build" --target remedi-eval -j"$(nproc)"
fi

mkdir -p "$OUT"
if [[ ! -f "$OUT/tiny-model/config.json" ]]; then
  "$BIN" make-tiny-model "$OUT/tiny-model"
fi

# --resume: a second invocation completes (or just re-summarises) the same run instead of refusing.
"$BIN" run --model "$OUT/tiny-model" \
  --tasks gsm8k,math500,arc_challenge,humaneval --data-dir "$ROOT/harness/data" \
  --protocol remedi-0shot --policy remedi-ups --block 16 --steps 8 --max-new-tokens 32 \
  --batch 4 --trace-samples 2 --label tiny-demo \
  --out "$OUT/run" --db "$OUT/runs.sqlite" --resume

"$BIN" report "$OUT/run" --out "$OUT/report.html" --md "$OUT/report.md" --title "remedi-eval demo (tiny random model)"
echo
cat "$OUT/report.md"
echo
echo "report: $OUT/report.html"
