#include "kv_cache.h"

namespace remedi::engine {

void KvCache::ensure(int layers, int64_t r, int64_t heads, int64_t s, int64_t head_dim, const at::TensorOptions& o) {
  bool fits = static_cast<int>(k.size()) == layers && !k.empty() && k[0].size(0) >= r && k[0].size(2) >= s &&
              k[0].size(1) == heads && k[0].size(3) == head_dim && k[0].scalar_type() == o.dtype().toScalarType() &&
              k[0].device().type() == o.device().type() &&
              (!o.device().has_index() || k[0].device().index() == o.device().index());  // "cuda" = any index
  if (!fits) {
    k.clear();
    v.clear();  // free first: never hold two caches at once
    // Zeroed once: slots a row never writes (prompt padding of a ragged batch) are masked out of
    // attention, but a masked weight of 0 times an uninitialised NaN would still be NaN.
    for (int l = 0; l < layers; ++l) {
      k.push_back(at::zeros({r, heads, s, head_dim}, o));
      v.push_back(at::zeros({r, heads, s, head_dim}, o));
    }
  }
  rows = r;
  slots = s;
}

}  // namespace remedi::engine
