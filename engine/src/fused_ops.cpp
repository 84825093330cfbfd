#include "fused_ops.h"

#include "remedi/common/error.h"

#ifdef REMEDI_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>

#include "cuda/fused_kernels.h"
#endif

namespace remedi::engine {
namespace {

#ifdef REMEDI_WITH_CUDA
bool fusable(const at::Tensor& t) { return t.is_cuda() && t.scalar_type() == at::kBFloat16 && t.is_contiguous(); }
void* stream() { return at::cuda::getCurrentCUDAStream().stream(); }
void check(int err, const char* what) {
  if (err != 0) throw Error(std::string("CUDA kernel launch failed: ") + what + " (cudaError " + std::to_string(err) + ")");
}
#endif

}  // namespace

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& w, double eps) {
#ifdef REMEDI_WITH_CUDA
  if (fusable(x) && fusable(w)) {
    auto y = at::empty_like(x);
    const int d = static_cast<int>(x.size(-1));
    check(cuda::rms_norm(x.data_ptr(), w.data_ptr(), y.data_ptr(), x.numel() / d, d, static_cast<float>(eps), stream()),
          "rms_norm");
    return y;
  }
#endif
  auto xf = x.to(at::kFloat);
  return w * (xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps)).to(x.scalar_type());
}

at::Tensor rope_qk(const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& sin) {
#ifdef REMEDI_WITH_CUDA
  if (fusable(qkv) && cos.is_contiguous() && sin.is_contiguous() && cos.scalar_type() == at::kFloat) {
    const int64_t rows = qkv.size(0) * qkv.size(1);
    check(cuda::rope_qk(qkv.data_ptr(), cos.data_ptr<float>(), sin.data_ptr<float>(), rows,
                        static_cast<int>(qkv.size(3)), static_cast<int>(qkv.size(4)), stream()),
          "rope_qk");
    return qkv.narrow(2, 0, 2);
  }
#endif
  // q' = q cos + rotate_half(q) sin, rotate_half(x) = [-x2, x1]; float32 inside, cast back.
  auto xf = qkv.narrow(2, 0, 2).to(at::kFloat);
  auto halves = xf.chunk(2, -1);
  auto rot = at::cat({-halves[1], halves[0]}, -1);
  return (xf * cos).addcmul_(rot, sin).to(qkv.scalar_type());
}

at::Tensor silu_mul(const at::Tensor& gu) {
  const int64_t m = gu.size(-1) / 2;
#ifdef REMEDI_WITH_CUDA
  if (fusable(gu)) {
    auto sizes = gu.sizes().vec();
    sizes.back() = m;
    auto out = at::empty(sizes, gu.options());
    check(cuda::silu_mul(gu.data_ptr(), out.data_ptr(), gu.numel() / (2 * m), m, stream()), "silu_mul");
    return out;
  }
#endif
  return at::silu(gu.narrow(-1, 0, m)).mul_(gu.narrow(-1, m, m));
}

}  // namespace remedi::engine
