#include "step_graph.h"

#ifdef REMEDI_WITH_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif

namespace remedi::engine {
namespace {

// CPU twin: replay() runs the recorded body again.
class EagerGraph : public StepGraph {
 public:
  explicit EagerGraph(Body b) : body_(std::move(b)) { out_ = body_(); }
  void replay() override { out_ = body_(); }
  const std::vector<at::Tensor>& outputs() const override { return out_; }
  bool is_cuda_graph() const override { return false; }

 private:
  Body body_;
  std::vector<at::Tensor> out_;
};

#ifdef REMEDI_WITH_CUDA
class CudaStepGraph : public StepGraph {
 public:
  CudaStepGraph(at::Device dev, const Body& body, std::pair<unsigned long long, unsigned long long> pool) {
    // Capture on a side stream (the legacy default stream cannot be captured); everything queued
    // before must be finished first. Outputs are allocated inside the capture, in the graph's
    // private memory pool, and stay valid (static) across replays.
    cudaDeviceSynchronize();
    auto stream = c10::cuda::getStreamFromPool(/*isHighPriority=*/false, dev.index() < 0 ? 0 : dev.index());
    {
      c10::cuda::CUDAStreamGuard guard(stream);
      graph_.capture_begin({pool.first, pool.second}, cudaStreamCaptureModeThreadLocal);
      out_ = body();
      graph_.capture_end();
    }
    cudaDeviceSynchronize();
  }
  void replay() override { graph_.replay(); }
  const std::vector<at::Tensor>& outputs() const override { return out_; }
  bool is_cuda_graph() const override { return true; }
  std::pair<unsigned long long, unsigned long long> pool() const override {
    auto id = const_cast<at::cuda::CUDAGraph&>(graph_).pool();
    return {id.first, id.second};
  }

 private:
  at::cuda::CUDAGraph graph_;
  std::vector<at::Tensor> out_;
};
#endif

}  // namespace

std::unique_ptr<StepGraph> StepGraph::capture(at::Device device, Body body, const StepGraph* share_pool_with) {
#ifdef REMEDI_WITH_CUDA
  if (device.is_cuda()) {
    auto pool = share_pool_with && share_pool_with->is_cuda_graph() ? share_pool_with->pool()
                                                                    : std::pair<unsigned long long, unsigned long long>{0, 0};
    auto g = std::make_unique<CudaStepGraph>(device, body, pool);
    g->replay();  // capture records work without running it
    return g;
  }
#endif
  return std::make_unique<EagerGraph>(std::move(body));
}

}  // namespace remedi::engine
