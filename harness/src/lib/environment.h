// Where a run ran, recorded in summary.json: host, OS, CPU, device, GPU and driver, torch version.
#pragma once
#include <nlohmann/json.hpp>

#include "remedi/engine/engine.h"

namespace remedi::cli {

// info may be null (re-scoring without the engine): then only the host part is filled.
nlohmann::json environment_json(const engine::ModelInfo* info);

}  // namespace remedi::cli
