#include "fused_ops.h"

#include <atomic>

#include "remedi/common/error.h"

#ifdef REMEDI_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <cuda_runtime_api.h>

#include <map>

#include "cuda/attention_kernels.h"
#include "cuda/fused_kernels.h"
#include "cuda/lt_gemm.h"
#include "cuda/skinny_gemm.h"
#endif

namespace remedi::engine {
namespace {

std::atomic<bool> g_fused{true};

#ifdef REMEDI_WITH_CUDA
bool fusable(const at::Tensor& t) {
  return g_fused.load(std::memory_order_relaxed) && t.is_cuda() && t.scalar_type() == at::kBFloat16 &&
         t.is_contiguous();
}
void* stream() { return at::cuda::getCurrentCUDAStream().stream(); }
// A kernel that declines the shape (alignment, widths) returns cudaErrorInvalidValue before
// launching: then the ATen composition runs. Any other error is a real launch failure.
bool launched(int err, const char* what) {
  if (err == 0) return true;
  if (err == 1) return false;
  throw Error(std::string("CUDA kernel launch failed: ") + what + " (cudaError " + std::to_string(err) + ")");
}

// block_attention's workspace (sized for T <= 64), zero-filled once: it holds the kernel's split
// counters, which every launch leaves at zero. Allocated outside any capture, kept for the process.
void* attention_workspace(const at::Device& dev) {
  static std::map<int, at::Tensor> per_device;
  auto it = per_device.find(dev.index());
  if (it != per_device.end()) return it->second.data_ptr();
  cudaStreamCaptureStatus st = cudaStreamCaptureStatusNone;
  cudaStreamIsCapturing(at::cuda::getCurrentCUDAStream().stream(), &st);
  if (st != cudaStreamCaptureStatusNone) return nullptr;
  const int64_t bytes = cuda::block_attention_workspace_bytes(1, 64, 1, 128, 1);
  auto t = at::zeros({bytes}, at::TensorOptions().device(dev).dtype(at::kByte));
  return per_device.emplace(dev.index(), t).first->second.data_ptr();
}
// A per-row device int64 (B) vector the attention kernel reads.
bool row_lengths(const at::Tensor& t, int64_t B) {
  return t.is_cuda() && t.scalar_type() == at::kLong && t.is_contiguous() && t.numel() == B;
}

// A cache view (rows, H, S, D) of (rows_cap, H, S, D) bf16 storage: every row's H x S x D dense.
bool cache_layout(const at::Tensor& c, int64_t H, int64_t D) {
  return c.is_cuda() && c.scalar_type() == at::kBFloat16 && c.dim() == 4 && c.size(1) == H && c.size(3) == D &&
         c.stride(3) == 1 && c.stride(2) == D && c.stride(1) == c.size(2) * D && c.stride(0) == H * c.size(2) * D;
}
#endif

at::Tensor rms_norm_aten(const at::Tensor& x, const at::Tensor& w, double eps) {
  auto xf = x.to(at::kFloat);
  return w * (xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps)).to(x.scalar_type());
}

}  // namespace

void set_fused_kernels(bool on) { g_fused.store(on); }
bool fused_kernels() { return g_fused.load(); }

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& w, double eps) {
#ifdef REMEDI_WITH_CUDA
  if (fusable(x) && fusable(w)) {
    auto y = at::empty_like(x);
    const int d = static_cast<int>(x.size(-1));
    if (launched(cuda::add_rms_norm(x.data_ptr(), nullptr, nullptr, w.data_ptr(), y.data_ptr(), x.numel() / d, d,
                                    static_cast<float>(eps), stream()),
                 "rms_norm"))
      return y;
  }
#endif
  return rms_norm_aten(x, w, eps);
}

std::pair<at::Tensor, at::Tensor> add_rms_norm(const at::Tensor& x, const at::Tensor& r, const at::Tensor& w,
                                               double eps) {
#ifdef REMEDI_WITH_CUDA
  if (fusable(x) && fusable(r) && fusable(w) && x.sizes() == r.sizes()) {
    auto s = at::empty_like(x), y = at::empty_like(x);
    const int d = static_cast<int>(x.size(-1));
    if (launched(cuda::add_rms_norm(x.data_ptr(), r.data_ptr(), s.data_ptr(), w.data_ptr(), y.data_ptr(),
                                    x.numel() / d, d, static_cast<float>(eps), stream()),
                 "add_rms_norm"))
      return {s, y};
  }
#endif
  auto s = x + r;
  return {s, rms_norm_aten(s, w, eps)};
}

at::Tensor rope_qk_store(const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& K,
                         const at::Tensor& V, int64_t slot0, const at::Tensor& slot0_dev) {
  const int64_t T = qkv.size(1);
#ifdef REMEDI_WITH_CUDA
  const int64_t B = qkv.size(0), H = qkv.size(3), D = qkv.size(4);
  if (fusable(qkv) && cos.is_contiguous() && sin.is_contiguous() && cos.scalar_type() == at::kFloat &&
      cache_layout(K, H, D) && cache_layout(V, H, D) && K.strides() == V.strides()) {
    if (launched(cuda::rope_qk_store(qkv.data_ptr(), cos.data_ptr<float>(), sin.data_ptr<float>(), K.data_ptr(),
                                     V.data_ptr(), static_cast<int>(B), static_cast<int>(T), static_cast<int>(H),
                                     static_cast<int>(D), K.stride(0), K.stride(1), slot0,
                                     slot0_dev.defined() ? slot0_dev.data_ptr<int64_t>() : nullptr, stream()),
                 "rope_qk_store"))
      return qkv.select(2, 0);
  }
#endif
  if (slot0_dev.defined())  // only the kernel reads the slot from the device
    throw Error("the rotary/cache kernel declined a block whose slot lives on the device", "engine",
                "switch off step graphs or the fused kernels");
  // q' = q cos + rotate_half(q) sin, rotate_half(x) = [-x2, x1]; float32 inside, cast back.
  auto xf = qkv.narrow(2, 0, 2).to(at::kFloat);
  auto halves = xf.chunk(2, -1);
  auto rot = at::cat({-halves[1], halves[0]}, -1);
  auto qk = (xf * cos).addcmul_(rot, sin).to(qkv.scalar_type());  // (B, T, 2, H, D)
  K.narrow(2, slot0, T).copy_(qk.select(2, 1).transpose(1, 2));
  V.narrow(2, slot0, T).copy_(qkv.select(2, 2).transpose(1, 2));
  return qk.select(2, 0);
}

at::Tensor block_attention(const at::Tensor& q, const at::Tensor& K, const at::Tensor& V, int64_t kv_len,
                           const at::Tensor& lo_len, const at::Tensor& hi_start, const at::Tensor& kv_len_dev) {
#ifdef REMEDI_WITH_CUDA
  const int64_t B = q.size(0), T = q.size(1), H = q.size(2), D = q.size(3);
  if (g_fused.load(std::memory_order_relaxed) && q.is_cuda() && q.scalar_type() == at::kBFloat16 && q.stride(3) == 1 &&
      cache_layout(K, H, D) && cache_layout(V, H, D) && K.size(0) == B && K.strides() == V.strides() &&
      lo_len.defined() == hi_start.defined() && (!lo_len.defined() || (row_lengths(lo_len, B) && row_lengths(hi_start, B))) &&
      (!kv_len_dev.defined() || row_lengths(kv_len_dev, 1))) {
    if (void* ws = attention_workspace(q.device())) {
      auto out = at::empty({B, T, H, D}, q.options());
      if (launched(cuda::block_attention(q.data_ptr(), q.stride(0), q.stride(1), q.stride(2), K.data_ptr(), V.data_ptr(),
                                         K.size(2), out.data_ptr(), static_cast<int>(B), static_cast<int>(T),
                                         static_cast<int>(H), static_cast<int>(D), static_cast<int>(kv_len),
                                         kv_len_dev.defined() ? kv_len_dev.data_ptr<int64_t>() : nullptr,
                                         lo_len.defined() ? lo_len.data_ptr<int64_t>() : nullptr, 0,
                                         hi_start.defined() ? hi_start.data_ptr<int64_t>() : nullptr, ws, stream()),
                   "block_attention"))
        return out;
    }
  }
#else
  (void)q, (void)K, (void)V, (void)kv_len, (void)lo_len, (void)hi_start;
#endif
  if (kv_len_dev.defined())  // only the kernel reads the attended length from the device
    throw Error("the attention kernel declined a block whose length lives on the device", "engine",
                "switch off step graphs or the fused kernels");
  return {};
}

at::Tensor rope_block_attention(const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& sin,
                                const at::Tensor& K, const at::Tensor& V, int64_t kv_len, const at::Tensor& lo_len,
                                const at::Tensor& hi_start, const at::Tensor& kv_len_dev) {
#ifdef REMEDI_WITH_CUDA
  if (qkv.dim() != 5 || qkv.size(2) != 3) return {};
  const int64_t B = qkv.size(0), T = qkv.size(1), H = qkv.size(3), D = qkv.size(4);
  if (fusable(qkv) && cos.is_contiguous() && sin.is_contiguous() && cos.scalar_type() == at::kFloat &&
      sin.scalar_type() == at::kFloat && cos.numel() == B * T * D && sin.numel() == B * T * D &&
      cos.device() == qkv.device() && sin.device() == qkv.device() && cache_layout(K, H, D) && cache_layout(V, H, D) &&
      K.size(0) == B && K.strides() == V.strides() && lo_len.defined() == hi_start.defined() &&
      (!lo_len.defined() || (row_lengths(lo_len, B) && row_lengths(hi_start, B))) &&
      (!kv_len_dev.defined() || row_lengths(kv_len_dev, 1))) {
    if (void* ws = attention_workspace(qkv.device())) {
      auto out = at::empty({B, T, H, D}, qkv.options());
      if (launched(cuda::rope_block_attention(qkv.data_ptr(), qkv.stride(0), qkv.stride(1), qkv.stride(3),
                                              cos.data_ptr<float>(), sin.data_ptr<float>(), K.data_ptr(), V.data_ptr(),
                                              K.size(2), out.data_ptr(), static_cast<int>(B), static_cast<int>(T),
                                              static_cast<int>(H), static_cast<int>(D), static_cast<int>(kv_len),
                                              kv_len_dev.defined() ? kv_len_dev.data_ptr<int64_t>() : nullptr,
                                              lo_len.defined() ? lo_len.data_ptr<int64_t>() : nullptr, 0,
                                              hi_start.defined() ? hi_start.data_ptr<int64_t>() : nullptr, ws,
                                              stream()),
                   "rope_block_attention"))
        return out;
    }
  }
#else
  (void)qkv, (void)cos, (void)sin, (void)K, (void)V, (void)kv_len, (void)lo_len, (void)hi_start, (void)kv_len_dev;
#endif
  return {};
}

at::Tensor silu_mul(const at::Tensor& gu) {
  const int64_t m = gu.size(-1) / 2;
#ifdef REMEDI_WITH_CUDA
  if (fusable(gu)) {
    auto sizes = gu.sizes().vec();
    sizes.back() = m;
    auto out = at::empty(sizes, gu.options());
    if (launched(cuda::silu_mul(gu.data_ptr(), out.data_ptr(), gu.numel() / (2 * m), m, stream()), "silu_mul"))
      return out;
  }
#endif
  return at::silu(gu.narrow(-1, 0, m)).mul_(gu.narrow(-1, m, m));
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias, bool stream_weights) {
  (void)stream_weights;  // CUDA only
#ifdef REMEDI_WITH_CUDA
  const int64_t K = x.dim() > 0 ? x.size(-1) : 0, M = K > 0 ? x.numel() / K : 0, N = w.dim() == 2 ? w.size(0) : 0;
  if (fusable(x) && fusable(w) && w.dim() == 2 && w.size(1) == K && M >= 1 && M <= kLtMaxRows &&
      w.device() == x.device() &&
      (!bias.defined() || (fusable(bias) && bias.dim() == 1 && bias.size(0) == N && bias.device() == x.device()))) {
    auto sizes = x.sizes().vec();
    sizes.back() = N;
    auto y = at::empty(sizes, x.options());  // (..., N)
    const void* b = bias.defined() ? bias.data_ptr() : nullptr;
    if (M <= 32 && stream_weights) {  // a few rows: the weight-streaming kernel, where it has a plan
      const int se = cuda::skinny_linear(x.data_ptr(), w.data_ptr(), b, y.data_ptr(), M, N, K, stream());
      if (se == 0) return y;
      if (se != 1)
        throw Error("skinny matmul failed (cudaError " + std::to_string(se) + ")",
                    "linear (" + std::to_string(M) + " x " + std::to_string(K) + ") . (" + std::to_string(N) + " x " +
                        std::to_string(K) + ")^T");
    }
    const int err = cuda::lt_linear(x.data_ptr(), w.data_ptr(), b, y.data_ptr(), M, N, K, stream());
    if (err == 0) return y;
    if (err == cuda::kLtFileError)
      throw Error(cuda::lt_error_string(err), "REMEDI_GEMM_TUNING", "name a writable file, or unset it");
    if (err != 1)
      throw Error("cuBLASLt matmul failed: " + cuda::lt_error_string(err),
                  "linear (" + std::to_string(M) + " x " + std::to_string(K) + ") . (" + std::to_string(N) + " x " +
                      std::to_string(K) + ")^T");
  }
#endif
  return at::linear(x, w, bias);
}

std::pair<at::Tensor, at::Tensor> greedy_select(const at::Tensor& logits, const at::Tensor& x, int64_t mask_id,
                                                const at::Tensor& packed) {
  const int64_t n = x.numel();
  if (packed.defined() &&
      !(packed.scalar_type() == at::kFloat && packed.is_contiguous() && packed.numel() >= 2 * n &&
        packed.device() == logits.device() && logits.size(-1) <= (int64_t(1) << 24)))
    throw Error("greedy_select: the packed output must be contiguous float32 of at least 2 x rows elements on the "
                "logits' device, with V <= 2^24",
                "engine");
#ifdef REMEDI_WITH_CUDA
  const int64_t V = logits.size(-1);
  if (fusable(logits) && x.is_cuda() && x.scalar_type() == at::kLong && x.is_contiguous() &&
      n * V == logits.numel() && x.device() == logits.device()) {
    auto cand = at::empty(x.sizes(), x.options());
    auto logit = at::empty(x.sizes(), x.options().dtype(at::kFloat));
    if (launched(cuda::greedy_pick(logits.data_ptr(), x.data_ptr<int64_t>(), mask_id, cand.data_ptr<int64_t>(),
                                   logit.data_ptr<float>(), packed.defined() ? packed.data_ptr<float>() : nullptr, n,
                                   V, stream()),
                 "greedy_pick"))
      return {cand, logit};
  }
#endif
  auto cand = at::where(x.eq(mask_id), logits.argmax(-1), x);  // first maximum on ties (MODEL.md §5)
  auto logit = logits.gather(-1, cand.unsqueeze(-1)).squeeze(-1).to(at::kFloat);
  if (packed.defined()) {
    packed.narrow(0, 0, n).copy_(cand.reshape(-1));
    packed.narrow(0, n, n).copy_(logit.reshape(-1));
  }
  return {cand, logit};
}

std::string linear_tuning(int64_t M, int64_t N, int64_t K, bool bias) {
#ifdef REMEDI_WITH_CUDA
  int dev = 0;
  if (cudaGetDevice(&dev) == cudaSuccess) return cuda::lt_describe(dev, M, N, K, bias);
#else
  (void)M, (void)N, (void)K, (void)bias;
#endif
  return "";
}

std::vector<std::string> linear_tunings() {
  std::vector<std::string> out;
#ifdef REMEDI_WITH_CUDA
  for (const auto& c : cuda::lt_choices()) out.push_back(cuda::lt_choice_line(c));
#endif
  return out;
}

int64_t linear_lt_launches() {
#ifdef REMEDI_WITH_CUDA
  return cuda::lt_launches();
#else
  return 0;
#endif
}

int64_t linear_skinny_launches() {
#ifdef REMEDI_WITH_CUDA
  return cuda::skinny_launches();
#else
  return 0;
#endif
}

void set_skinny_linear(bool on) {
#ifdef REMEDI_WITH_CUDA
  cuda::skinny_enable(on);
#else
  (void)on;
#endif
}

void forget_linear_tunings() {
#ifdef REMEDI_WITH_CUDA
  cuda::lt_forget();
#endif
}

}  // namespace remedi::engine
