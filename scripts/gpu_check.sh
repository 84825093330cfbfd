#!/usr/bin/env bash
# Build, check and benchmark on the H200 host in one call (the `device` tool runs it from the repo
# root; results go to $OUT). Usage: bash scripts/gpu_check.sh [quick|profile|ab]
#   quick: build, GPU tests and parity only; profile: also bench batch 1 and 64 fast path only, with
#   the Kineto per-kernel profile (traces in $OUT); ab: after quick, interleaved bench calls of
#   engine switches (see below); default: the full bench of issue 6.
#   The host has torch 2.11+cu130 under python3, CMake, Ninja, nvcc, fmt, nlohmann_json and Google
#   Benchmark, but not re2, libseccomp, pcre2-dev or Catch2 v2: their Debian .debs travel in .deps/
#   (apt-get download ...; see README) and are unpacked into /tmp/deps here.
set -uo pipefail
OUT=${OUT:-/tmp/remedi-out}
mkdir -p "$OUT" /tmp/deps
LOG="$OUT/gpu_check.log"
exec > >(tee -a "$LOG") 2>&1
echo "== $(date -u) $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null)"
clocks() { echo "== clocks $1: $(nvidia-smi --query-gpu=clocks.sm,clocks.max.sm,clocks.mem,power.draw,temperature.gpu,pstate --format=csv,noheader 2>/dev/null)"; }
clocks start
for f in .deps/*.deb; do dpkg -x "$f" /tmp/deps; done
sed -i 's|=/usr|=/tmp/deps/usr|g' /tmp/deps/usr/lib/x86_64-linux-gnu/pkgconfig/*.pc
export PKG_CONFIG_PATH=/tmp/deps/usr/lib/x86_64-linux-gnu/pkgconfig
export LD_LIBRARY_PATH=/tmp/deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
SRC=${SRC:-.}
# One cuBLASLt tuning file for every process of this check (engine/src/cuda/lt_gemm.h): the fast and
# eager parity runs below are two processes, and only a shared file makes them choose the same
# matmul algorithms (and so round the same way); it comes back in $OUT.
export REMEDI_GEMM_TUNING=${REMEDI_GEMM_TUNING:-$OUT/gemm_tuning.txt}
[ -f .deps/GIT_SHA ] && export REMEDI_GIT_SHA=$(cat .deps/GIT_SHA)  # written by the caller: .git does not travel
t0=$(date +%s)
cmake -S "$SRC" -B /tmp/build-gpu -G Ninja -DREMEDI_CUDA=ON -DCMAKE_PREFIX_PATH=/tmp/deps/usr \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 || exit 1
ninja -C /tmp/build-gpu -j16 -k 0 remedi-eval test_model test_model_gpu test_sampler  # -k 0: build what builds
echo "== build: $(( $(date +%s) - t0 )) s"
B=/tmp/build-gpu/harness/remedi-eval
/tmp/build-gpu/tests/engine/test_model_gpu
# The engine's attention kernel on its own: correctness (ragged, splits, graph replay) and timing.
nvcc -std=c++17 -arch=sm_90 -O3 -I engine/src tests/cuda/attention_check.cu engine/src/cuda/attention_kernels.cu engine/src/cuda/fused_kernels.cu \
  -o /tmp/attn_check && /tmp/attn_check > "$OUT/attention_check.log" 2>&1; echo "attention_check: rc $? ($(tail -1 "$OUT/attention_check.log"))"
# The skinny matmul on its own: correctness (every configuration, bias, rows < 32, graph replay after
# an early launch) and timing against cuBLASLt at RemeDi-9B shapes.
nvcc -std=c++17 -arch=sm_90 -O3 -I engine/src tests/cuda/skinny_check.cu engine/src/cuda/skinny_gemm.cu \
  engine/src/cuda/fused_kernels.cu engine/src/cuda/attention_kernels.cu engine/src/cuda/lt_gemm.cpp -lcublasLt -o /tmp/skinny_check && /tmp/skinny_check > "$OUT/skinny_check.log" 2>&1
echo "skinny_check: rc $? ($(tail -1 "$OUT/skinny_check.log"))"
/tmp/build-gpu/tests/engine/test_model
# Parity at real shapes: fast (captured graphs) and eager give the same greedy tokens.
P=126080,1,2,3,4,5,6,7
$B generate --model preset:remedi-9b --device cuda --prompt-ids $P --max-new-tokens 96 --steps 32 --json > "$OUT/gen_fast.json"
$B generate --model preset:remedi-9b --device cuda --prompt-ids $P --max-new-tokens 96 --steps 32 --json --eager > "$OUT/gen_eager.json"
python3 - "$OUT" <<'PY'
import json, sys
a = json.load(open(sys.argv[1] + "/gen_fast.json")); b = json.load(open(sys.argv[1] + "/gen_eager.json"))
print("remedi-9b parity fast vs eager:", "identical" if a["tokens"] == b["tokens"] else "DIFFER", len(a["tokens"]), "tokens, nfe", a["nfe"])
PY
if [ "${1:-}" = ab ]; then
  # A/B timing of engine switches in one call, interleaved: AB_ENVS names the variants, each a
  # comma-separated list of env assignments (e.g. "REMEDI_EARLY_LAUNCH=0 REMEDI_EARLY_LAUNCH=1"),
  # AB_REPS rounds; AB_BATCH the batch sizes.
  nvidia-smi --query-gpu=clocks.sm,clocks.mem,power.draw --format=csv,noheader,nounits -lms 250 > /tmp/clk.csv 2>/dev/null &
  SMI=$!
  for rep in $(seq "${AB_REPS:-3}"); do
    for e in ${AB_ENVS:-X=1}; do
      f="$OUT/ab-$rep-$(echo "$e" | tr '=,/.' '____').json"
      env ${e//,/ } $B bench --model preset:remedi-9b --device cuda --batch ${AB_BATCH:-1} --prefix 1024 --gen 256 \
        --steps 32 --no-eager --json "$f" > /tmp/ab.log 2>&1 || tail -5 /tmp/ab.log
      python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['runs']; print('ab', sys.argv[2], sys.argv[3], ' '.join('b%d %.3f ms (floor %.3f, %.3fx; replay %.3f)' % (x['batch'], x['step_ms_p50'], x['floor_ms'], x['ratio'], x.get('graph_replay_ms', 0)) for x in r))" "$f" "$rep" "$e"
    done
  done
  kill $SMI 2>/dev/null
  python3 - <<'PY'
rows = [[float(v) for v in l.split(",")] for l in open("/tmp/clk.csv") if l.count(",") == 2]
busy = sorted(r for r in rows if r[2] > 200.0)  # samples under load (power > 200 W)
if busy:
    sm = sorted(r[0] for r in busy); pw = sorted(r[2] for r in busy)
    print("ab clocks under load: SM MHz median %d (min %d, max %d), power median %.0f W, %d samples" %
          (sm[len(sm) // 2], sm[0], sm[-1], pw[len(pw) // 2], len(busy)))
PY
elif [ "${1:-}" = profile ]; then
  $B bench --model preset:remedi-9b --device cuda --batch ${PROFILE_BATCH:-1,64} --prefix 1024 --gen 256 --steps 32 \
    --no-eager --profile "$OUT/trace" --profile-top 25 --json "$OUT/bench_profile.json" ${PROFILE_ARGS:-}
  gzip -f "$OUT"/trace-b*.json
elif [ "${1:-}" != quick ]; then
  $B bench --model preset:remedi-9b --device cuda --batch 1,8,64 --prefix 1024 --gen 256 --steps 32 \
    --json "$OUT/bench.json"
  python3 - "$OUT/bench.json" "$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1)" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); j["nvidia_driver"] = sys.argv[2].strip()
json.dump(j, open(sys.argv[1], "w"), indent=2)
PY
fi
clocks end
echo "== done $(date -u)"
