// A captured denoising step: within one block every step has the same shapes, cache slots and
// attention mask, so the whole forward (36 blocks, heads, candidate selection) is captured once as
// a CUDA graph and replayed for the remaining steps and the commit pass — one launch instead of
// ~1,000, which is what batch-1 latency is made of.
//
// CPU twin: on a CPU device (or a build without CUDA) the "graph" records the body and replay()
// runs it again eagerly, so the capture/replay control flow in TorchModel is exercised by CI and
// must give exactly the eager results.
#pragma once
#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <vector>

namespace remedi::engine {

class StepGraph {
 public:
  using Body = std::function<std::vector<at::Tensor>()>;  // reads static inputs, returns outputs
  // Runs `body` under capture on `device` (CUDA: real graph; CPU: recorded for eager replay).
  // `share_pool_with`: a live graph whose private memory pool the new graph reuses, so successive
  // blocks' graphs recycle the same device memory instead of freeing and reallocating it.
  static std::unique_ptr<StepGraph> capture(at::Device device, Body body, const StepGraph* share_pool_with = nullptr);
  virtual ~StepGraph() = default;
  virtual void replay() = 0;                          // recompute outputs from the current inputs
  virtual const std::vector<at::Tensor>& outputs() const = 0;
  virtual bool is_cuda_graph() const = 0;
  virtual std::pair<unsigned long long, unsigned long long> pool() const { return {0, 0}; }
};

}  // namespace remedi::engine
