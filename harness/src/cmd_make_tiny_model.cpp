// remedi-eval make-tiny-model: writes a tiny RemeDi (or LLaDA) checkpoint with deterministic random
// weights that every command reads like a real one (issue 2, part 7; engine/tiny_model.h).
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "command.h"
#include "remedi/common/error.h"
#include "remedi/engine/tiny_model.h"

namespace {

const char* kHelp = R"(usage: remedi-eval make-tiny-model DIR [flags]

Writes DIR/config.json, DIR/model.safetensors (or shards + index), DIR/tokenizer.json and
DIR/tokenizer_config.json: 4 layers, d_model 64, 4 heads, MLP 192, the full 126464-token vocabulary
(special tokens at their real ids), RemeDi UPS blocks at taps 0 and 2.

  --llada             no UPS tensors (a plain LLaDA model; same backbone for the same seed)
  --dtype bf16|f32    storage dtype, default bf16 (~33 MB; f32 ~66 MB)
  --seed N            weight seed, default 1
  --zero-feedback     UPS feedback linears all zero: logits then equal the LLaDA model's exactly
  --taps 0,2          UPS tap layers (one UPS block each), default 0,2
  --layers N          backbone layers, default 4
  --shard-bytes N     write shards of at most N bytes plus model.safetensors.index.json
)";

}  // namespace

static int run_make_tiny_model(remedi::Args& a) {
  using namespace remedi;
  if (a.help()) {
    std::printf("%s", kHelp);
    return 0;
  }
  engine::TinySpec spec;
  spec.ups = !a.flag("--llada");
  std::string dt = a.get("--dtype", "bf16");
  if (dt == "bf16") spec.dtype = engine::DType::BF16;
  else if (dt == "f32") spec.dtype = engine::DType::F32;
  else throw Error("unknown --dtype '" + dt + "'", "make-tiny-model", "use bf16 or f32");
  spec.seed = uint64_t(a.get_int("--seed", 1));
  spec.zero_feedback = a.flag("--zero-feedback");
  auto taps = a.get_list("--taps");
  if (!taps.empty()) {
    spec.taps.clear();
    for (auto& t : taps) {
      char* end = nullptr;
      long v = std::strtol(t.c_str(), &end, 10);
      if (*end != '\0') throw Error("--taps: '" + t + "' is not an integer", "make-tiny-model");
      spec.taps.push_back(int(v));
    }
  }
  spec.n_layers = int(a.get_int("--layers", spec.n_layers));
  int64_t shard = a.get_int("--shard-bytes", 0);
  if (shard < 0) throw Error("--shard-bytes must be >= 0", "make-tiny-model");
  spec.shard_bytes = size_t(shard);
  auto pos = a.positional();
  a.finish();
  if (pos.size() != 1) throw Error("give exactly one output directory", "make-tiny-model", "see --help");
  if (!spec.ups && !taps.empty()) throw Error("--taps needs a RemeDi model (drop --llada)", "make-tiny-model");

  auto t0 = std::chrono::steady_clock::now();
  engine::make_tiny_checkpoint(pos[0], spec);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  uintmax_t bytes = 0;
  for (auto& e : std::filesystem::directory_iterator(pos[0]))
    if (e.is_regular_file()) bytes += e.file_size();
  std::printf("wrote %s checkpoint to %s: %lld parameters, %s, %.1f MB in %.0f ms\n", spec.ups ? "RemeDi" : "LLaDA",
              pos[0].c_str(), (long long)engine::tiny_config(spec).param_count(), engine::dtype_name(spec.dtype),
              bytes / 1e6, ms);
  return 0;
}

REMEDI_COMMAND(make_tiny_model, "make-tiny-model", "write a tiny random-weight RemeDi/LLaDA checkpoint", run_make_tiny_model)
