// remedi-eval generate: one prompt through the engine, printing the answer and its counters.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command.h"
#include "remedi/common/error.h"
#include "remedi/common/strutil.h"
#include "remedi/engine/engine.h"
#include "sampler_flags.h"

namespace {

const char* kHelp = R"(usage: remedi-eval generate --model DIR|preset:NAME (--prompt TEXT | --prompt-ids 1,2,3) [flags]

  --model DIR|preset:NAME   checkpoint directory, or preset:remedi-9b|llada-8b|tiny-remedi|tiny-llada (random weights)
  --prompt TEXT             user message; the chat template (MODEL.md §3) is applied
  --prompt-ids 1,2,3        token ids used as given (no tokenizer, no template)
  --device cpu|cuda         default cpu
  --dtype auto|f32|bf16     default auto (cpu f32, cuda bf16)
  --taps 0,10,20,30         override the UPS tap layers
  --eager                   plain eager forward (no captured step graphs); same tokens, slower
  --json                    one JSON object: text, tokens, nfe, blocks, remasks, revisions, ...
)";

}  // namespace

static int run_generate(remedi::Args& a) {
  using namespace remedi;
  if (a.help()) {
    std::printf("%s%s", kHelp, cli::sampler_flags_help());
    return 0;
  }
  engine::EngineOptions eo = cli::parse_engine_flags(a);
  eo.max_batch = 1;
  auto prompt = a.opt("--prompt");
  auto ids_flag = a.opt("--prompt-ids");
  bool json = a.flag("--json");
  engine::SamplerParams sp = cli::parse_sampler_flags(a);
  uint64_t seed = static_cast<uint64_t>(a.get_int("--seed", 0));
  a.finish();
  if (prompt.has_value() == ids_flag.has_value())
    throw Error("give exactly one of --prompt and --prompt-ids", "generate");

  auto eng = engine::Engine::open(eo);
  engine::GenerateRequest req;
  req.seed = seed;
  if (ids_flag) {
    for (auto& s : split(*ids_flag, ',')) {
      auto t = trim(s);
      if (t.empty()) continue;
      char* end = nullptr;
      long v = std::strtol(t.c_str(), &end, 10);
      if (*end != '\0') throw Error("--prompt-ids: '" + t + "' is not an integer", "generate");
      req.prompt.push_back(static_cast<int32_t>(v));
    }
  } else {
    req.prompt = eng->encode_chat({{"user", *prompt}});
  }
  auto res = eng->generate({req}, sp).at(0);
  std::string text = eng->has_tokenizer() ? eng->decode(res.tokens) : "";

  if (json) {
    nlohmann::json j = {{"text", text},
                        {"tokens", res.tokens},
                        {"nfe", res.nfe},
                        {"blocks", res.blocks},
                        {"remasks", res.remasks},
                        {"revisions", res.revisions},
                        {"tokens_per_forward", res.tokens_per_forward},
                        {"hit_eos", res.hit_eos},
                        {"policy", engine::policy_name(sp.policy)},
                        {"params", nlohmann::json::parse(engine::params_json(sp))},
                        {"params_hash", engine::params_hash(sp)},
                        {"model", eng->info().name},
                        {"device", eng->info().device},
                        {"dtype", eng->info().dtype}};
    std::cout << j.dump() << "\n";
  } else {
    if (eng->has_tokenizer())
      std::cout << text << std::endl;
    else
      std::cout << "(no tokenizer) tokens: " << nlohmann::json(res.tokens).dump() << "\n";
    std::fprintf(stderr, "[%s, %s] policy=%s steps=%d nfe=%d blocks=%d remasks=%d revisions=%d tokens=%zu eos=%s\n",
                 eng->info().device.c_str(), eng->info().dtype.c_str(), engine::policy_name(sp.policy), sp.steps,
                 res.nfe, res.blocks, res.remasks, res.revisions, res.tokens.size(), res.hit_eos ? "yes" : "no");
  }
  return 0;
}

REMEDI_COMMAND(generate, "generate", "generate an answer for one prompt (block diffusion with remasking)", run_generate)
