#include "weights.h"

#include <ATen/Context.h>

#include "remedi/common/error.h"
#include "remedi/engine/checkpoint.h"

namespace remedi::engine {
namespace {

at::ScalarType to_scalar(DType t) {
  switch (t) {
    case DType::BF16: return at::kBFloat16;
    case DType::F16: return at::kHalf;
    case DType::F32: return at::kFloat;
  }
  return at::kFloat;
}

// Fetches one tensor by canonical name and moves it to (device, dtype).
class Loader {
 public:
  Loader(const Checkpoint& c, at::Device dev, at::ScalarType dt) : ckpt_(c), dev_(dev), dt_(dt) {}

  // A CPU tensor aliasing the memory map (no copy), checked against the expected shape.
  at::Tensor host(const std::string& name, std::vector<int64_t> shape) const {
    const TensorView& v = ckpt_.tensor(name);  // throws naming the tensor if missing
    if (v.shape != shape)
      throw Error("tensor " + name + " has shape " + shape_str(v.shape) + ", expected " + shape_str(shape), v.file,
                  "the checkpoint does not match its config.json");
    return at::from_blob(const_cast<void*>(v.data), v.shape, at::TensorOptions().dtype(to_scalar(v.dtype)));
  }

  at::Tensor get(const std::string& name, std::vector<int64_t> shape) const {
    at::Tensor h = host(name, std::move(shape));
    bool aligned = reinterpret_cast<uintptr_t>(h.data_ptr()) % 64 == 0;
    if (dev_.is_cpu() && h.scalar_type() == dt_ && aligned) return h;  // alias the map: zero copies
    return h.to(dev_, dt_, /*non_blocking=*/false, /*copy=*/true);
  }

  // Rows of several [r_i, in] tensors stacked into one [sum r_i, in] device tensor, filled tensor by
  // tensor (one host tensor converted at a time).
  at::Tensor stacked(const std::vector<std::string>& names, std::vector<int64_t> rows, int64_t in) const {
    int64_t total = 0;
    for (auto r : rows) total += r;
    at::Tensor out = at::empty({total, in}, at::TensorOptions().device(dev_).dtype(dt_));
    int64_t off = 0;
    for (size_t i = 0; i < names.size(); ++i) {
      out.narrow(0, off, rows[i]).copy_(host(names[i], {rows[i], in}));
      off += rows[i];
    }
    return out;
  }

 private:
  const Checkpoint& ckpt_;
  at::Device dev_;
  at::ScalarType dt_;
};

BlockWeights load_block(const Loader& L, const std::string& p, const ModelConfig& c) {
  const int64_t d = c.d_model, m = c.mlp_hidden;
  BlockWeights b;
  b.attn_norm = L.get(p + "attn_norm.weight", {d});
  b.ff_norm = L.get(p + "ff_norm.weight", {d});
  b.wqkv = L.stacked({p + "q_proj.weight", p + "k_proj.weight", p + "v_proj.weight"}, {d, d, d}, d);
  b.wq = b.wqkv.narrow(0, 0, d);
  b.wk = b.wqkv.narrow(0, d, d);
  b.wv = b.wqkv.narrow(0, 2 * d, d);
  b.wo = L.get(p + "attn_out.weight", {d, d});
  b.w_gate_up = L.stacked({p + "ff_proj.weight", p + "up_proj.weight"}, {m, m}, d);
  b.w_gate = b.w_gate_up.narrow(0, 0, m);
  b.w_up = b.w_gate_up.narrow(0, m, m);
  b.w_down = L.get(p + "ff_out.weight", {d, m});
  return b;
}

BlockWeights random_block(const ModelConfig& c, const at::TensorOptions& o) {
  const int64_t d = c.d_model, m = c.mlp_hidden;
  BlockWeights b;
  b.attn_norm = at::ones({d}, o);
  b.ff_norm = at::ones({d}, o);
  b.wqkv = at::empty({3 * d, d}, o).normal_(0, 0.02);
  b.wq = b.wqkv.narrow(0, 0, d);
  b.wk = b.wqkv.narrow(0, d, d);
  b.wv = b.wqkv.narrow(0, 2 * d, d);
  b.wo = at::empty({d, d}, o).normal_(0, 0.02);
  b.w_gate_up = at::empty({2 * m, d}, o).normal_(0, 0.02);
  b.w_gate = b.w_gate_up.narrow(0, 0, m);
  b.w_up = b.w_gate_up.narrow(0, m, m);
  b.w_down = at::empty({d, m}, o).normal_(0, 0.02);
  return b;
}

int64_t block_bytes(const BlockWeights& b) {
  auto n = [](const at::Tensor& t) { return t.defined() ? t.numel() * int64_t(t.element_size()) : int64_t(0); };
  return n(b.attn_norm) + n(b.ff_norm) + n(b.wqkv) + n(b.wo) + n(b.w_gate_up) + n(b.w_down);
}

}  // namespace

int64_t ModelWeights::bytes() const {
  auto n = [](const at::Tensor& t) { return t.defined() ? t.numel() * int64_t(t.element_size()) : int64_t(0); };
  int64_t s = n(wte) + n(ln_f) + n(lm_head) + n(ln_f_ups) + n(conf_w) + n(conf_b);
  for (auto& b : blocks) s += block_bytes(b);
  for (auto& b : ups) s += block_bytes(b);
  for (size_t j = 0; j < fb_w.size(); ++j) s += n(fb_norm[j]) + n(fb_w[j]) + n(fb_b[j]);
  return s;
}

ModelWeights load_weights(const Checkpoint& ckpt, const ModelConfig& c, at::Device device, at::ScalarType dtype) {
  Loader L(ckpt, device, dtype);
  const int64_t d = c.d_model, V = c.embedding_size;
  ModelWeights w;
  w.wte = L.get("wte.weight", {V, d});
  for (int i = 0; i < c.n_layers; ++i) w.blocks.push_back(load_block(L, "blocks." + std::to_string(i) + ".", c));
  w.ln_f = L.get("ln_f.weight", {d});
  w.lm_head = L.get("ff_out.weight", {V, d});
  if (c.has_ups) {
    for (size_t j = 0; j < c.ups_taps.size(); ++j) {
      std::string s = std::to_string(j);
      w.ups.push_back(load_block(L, "blocks_upm." + s + ".", c));
      w.fb_norm.push_back(L.get("backprop_norms." + s + ".weight", {d}));
      w.fb_w.push_back(L.get("backprop_linears." + s + ".weight", {d, d}));
      w.fb_b.push_back(L.get("backprop_linears." + s + ".bias", {d}));
    }
    w.ln_f_ups = L.get("ln_f_upm.weight", {d});
    w.conf_w = L.get("linear_confidence.weight", {1, d});
    w.conf_b = L.get("linear_confidence.bias", {1});
  }
  return w;
}

ModelWeights copy_weights(const ModelWeights& w, at::Device device, at::ScalarType dtype) {
  auto cp = [&](const at::Tensor& t) { return t.defined() ? t.to(device, dtype, false, /*copy=*/true) : t; };
  auto blk = [&](const BlockWeights& b) {
    BlockWeights o;
    o.attn_norm = cp(b.attn_norm);
    o.ff_norm = cp(b.ff_norm);
    o.wqkv = cp(b.wqkv);
    const int64_t d = o.wqkv.size(0) / 3;
    o.wq = o.wqkv.narrow(0, 0, d);
    o.wk = o.wqkv.narrow(0, d, d);
    o.wv = o.wqkv.narrow(0, 2 * d, d);
    o.wo = cp(b.wo);
    o.w_gate_up = cp(b.w_gate_up);
    const int64_t m = o.w_gate_up.size(0) / 2;
    o.w_gate = o.w_gate_up.narrow(0, 0, m);
    o.w_up = o.w_gate_up.narrow(0, m, m);
    o.w_down = cp(b.w_down);
    return o;
  };
  ModelWeights o;
  o.wte = cp(w.wte);
  for (auto& b : w.blocks) o.blocks.push_back(blk(b));
  o.ln_f = cp(w.ln_f);
  o.lm_head = cp(w.lm_head);
  for (auto& b : w.ups) o.ups.push_back(blk(b));
  for (auto& t : w.fb_norm) o.fb_norm.push_back(cp(t));
  for (auto& t : w.fb_w) o.fb_w.push_back(cp(t));
  for (auto& t : w.fb_b) o.fb_b.push_back(cp(t));
  o.ln_f_ups = cp(w.ln_f_ups);
  o.conf_w = cp(w.conf_w);
  o.conf_b = cp(w.conf_b);
  return o;
}

ModelWeights random_weights(const ModelConfig& c, at::Device device, at::ScalarType dtype, uint64_t seed) {
  at::manual_seed(seed);
  auto o = at::TensorOptions().device(device).dtype(dtype);
  const int64_t d = c.d_model, V = c.embedding_size;
  ModelWeights w;
  w.wte = at::empty({V, d}, o).normal_(0, 0.02);
  for (int i = 0; i < c.n_layers; ++i) w.blocks.push_back(random_block(c, o));
  w.ln_f = at::ones({d}, o);
  w.lm_head = at::empty({V, d}, o).normal_(0, 0.02);
  if (c.has_ups) {
    for (size_t j = 0; j < c.ups_taps.size(); ++j) {
      w.ups.push_back(random_block(c, o));
      w.fb_norm.push_back(at::ones({d}, o));
      w.fb_w.push_back(at::empty({d, d}, o).normal_(0, 0.02));
      w.fb_b.push_back(at::zeros({d}, o));
    }
    w.ln_f_ups = at::ones({d}, o);
    w.conf_w = at::empty({1, d}, o).normal_(0, 0.02);
    w.conf_b = at::zeros({1}, o);
  }
  return w;
}

}  // namespace remedi::engine
