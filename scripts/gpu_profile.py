#!/usr/bin/env python3
"""Where a RemeDi-9B denoising step spends its time on the GPU (throughput work, issue 6).

Runs on the device host with its torch (no build needed): times each matmul of one block at the
step's shapes against the copy bandwidth (batch 1: memory-bound) and the bf16 matrix rate (batch 64:
compute-bound), every attention backend at the step's cache lengths, and a per-kernel profile of one
plain-PyTorch replica of the step. Usage: python3 scripts/gpu_profile.py [OUT_DIR]
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

OUT = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OUT", "/tmp")
dev = "cuda"
bf = torch.bfloat16
d, H, D, mlp, V = 4096, 32, 128, 12288, 126464
res = {"gpu": torch.cuda.get_device_name(), "torch": torch.__version__}


def graph_time(fn, reps=20, iters=5):
    """Median ms of fn() replayed from a CUDA graph (reps calls per replay)."""
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            fn()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(reps):
            fn()
    g.replay()
    torch.cuda.synchronize()
    ts = []
    for _ in range(iters):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        g.replay()
        b.record()
        torch.cuda.synchronize()
        ts.append(a.elapsed_time(b) / reps)
    ts.sort()
    return ts[len(ts) // 2]


# Copy bandwidth (read + write), as bench measures it.
n = 4 << 30
a = torch.empty(n, dtype=torch.uint8, device=dev)
b = torch.empty_like(a)
ms = graph_time(lambda: b.copy_(a), reps=5)
bw = 2 * n / (ms / 1e3)
res["copy_bw_TBs"] = bw / 1e12
del a, b

# Matmuls of one block (and the head) at M = 32 (batch 1) and 2048 (batch 64).
shapes = {"qkv": (3 * d, d), "wo": (d, d), "gate_up": (2 * mlp, d), "down": (d, mlp), "lm_head": (V, d)}
gemm = {}
for backend in ("cublas", "cublaslt"):
    torch.backends.cuda.preferred_blas_library(backend)
    for name, (N, K) in shapes.items():
        W = torch.randn(N, K, device=dev, dtype=bf) * 0.02
        for M in (32, 256, 2048):
            x = torch.randn(M, K, device=dev, dtype=bf)
            t = graph_time(lambda: F.linear(x, W), reps=10)
            gemm[f"{backend}/{name}/M{M}"] = {
                "ms": t, "GBs_weights": N * K * 2 / t / 1e6, "TFLOPs": 2 * M * N * K / t / 1e9,
                "bw_frac": N * K * 2 / (t / 1e3) / bw}
        del W, x
torch.backends.cuda.preferred_blas_library("cublas")
res["gemm"] = gemm

# Attention of a 32-token block over the cache: batch 1 and 64, kv 1056 (first block) .. 1312.
att = {}
for B in (1, 8, 64):
    for kv in (1056, 1312):
        cap = 1344
        q = torch.randn(B, H, 32, D, device=dev, dtype=bf)
        Kc = torch.randn(B, H, cap, D, device=dev, dtype=bf)
        Vc = torch.randn(B, H, cap, D, device=dev, dtype=bf)
        K, Vv = Kc[:, :, :kv], Vc[:, :, :kv]
        kvbytes = 2 * B * H * kv * D * 2
        for name, be in (("flash", SDPBackend.FLASH_ATTENTION), ("efficient", SDPBackend.EFFICIENT_ATTENTION),
                         ("cudnn", SDPBackend.CUDNN_ATTENTION), ("math", SDPBackend.MATH)):
            try:
                with sdpa_kernel([be]):
                    t = graph_time(lambda: F.scaled_dot_product_attention(q, K, Vv), reps=10)
                att[f"B{B}/kv{kv}/{name}"] = {"ms": t, "bw_frac": kvbytes / (t / 1e3) / bw}
            except Exception as e:  # backend not available for these inputs
                att[f"B{B}/kv{kv}/{name}"] = {"error": str(e)[:200]}
        # masked (ragged / full-capacity static shape): boolean key mask over the whole capacity
        mask = (torch.arange(cap, device=dev) < kv).view(1, 1, 1, cap).expand(B, 1, 32, cap)
        for name, be in (("efficient_mask_cap", SDPBackend.EFFICIENT_ATTENTION), ("cudnn_mask_cap", SDPBackend.CUDNN_ATTENTION)):
            try:
                with sdpa_kernel([be]):
                    t = graph_time(lambda: F.scaled_dot_product_attention(q, Kc, Vc, attn_mask=mask), reps=10)
                att[f"B{B}/kv{kv}/{name}"] = {"ms": t}
            except Exception as e:
                att[f"B{B}/kv{kv}/{name}"] = {"error": str(e)[:200]}
        del q, Kc, Vc
res["attention"] = att

# Per-kernel profile of a plain replica of one step (36 blocks + head) at batch 1 and 64.
layers = 36
Wt = []
for _ in range(layers):
    Wt.append({"qkv": torch.randn(3 * d, d, device=dev, dtype=bf) * 0.02, "wo": torch.randn(d, d, device=dev, dtype=bf) * 0.02,
               "gu": torch.randn(2 * mlp, d, device=dev, dtype=bf) * 0.02, "down": torch.randn(d, mlp, device=dev, dtype=bf) * 0.02,
               "n1": torch.ones(d, device=dev, dtype=bf), "n2": torch.ones(d, device=dev, dtype=bf)})
head = torch.randn(V, d, device=dev, dtype=bf) * 0.02


def rms(x, w):
    xf = x.float()
    return w * (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + 1e-5)).to(x.dtype)


def step(x, Kc, Vc, kv):
    B, T = x.shape[0], x.shape[1]
    for l in range(layers):
        w = Wt[l]
        h = rms(x, w["n1"])
        qkv = F.linear(h, w["qkv"]).view(B, T, 3, H, D)
        q = qkv[:, :, 0].transpose(1, 2)
        k = qkv[:, :, 1].transpose(1, 2)
        v = qkv[:, :, 2].transpose(1, 2)
        Kc[l][:, :, kv - T:kv].copy_(k)
        Vc[l][:, :, kv - T:kv].copy_(v)
        o = F.scaled_dot_product_attention(q, Kc[l][:, :, :kv], Vc[l][:, :, :kv])
        x = x + F.linear(o.transpose(1, 2).reshape(B, T, d), w["wo"])
        gu = F.linear(rms(x, w["n2"]), w["gu"])
        x = x + F.linear(F.silu(gu[..., :mlp]) * gu[..., mlp:], w["down"])
    return F.linear(rms(x, Wt[0]["n1"]), head).argmax(-1)


prof = {}
for B in (1, 64):
    cap = 1344
    Kc = [torch.zeros(B, H, cap, D, device=dev, dtype=bf) for _ in range(layers)]
    Vc = [torch.zeros(B, H, cap, D, device=dev, dtype=bf) for _ in range(layers)]
    x = torch.randn(B, 32, d, device=dev, dtype=bf)
    t_graph = graph_time(lambda: step(x, Kc, Vc, 1184), reps=1, iters=5)
    from torch.profiler import ProfilerActivity, profile
    step(x, Kc, Vc, 1184)
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as p:
        step(x, Kc, Vc, 1184)
        torch.cuda.synchronize()
    rows = []
    for e in p.key_averages():
        if e.device_type.name == "CUDA" or getattr(e, "self_device_time_total", 0) > 0:
            tot = getattr(e, "self_device_time_total", None) or getattr(e, "self_cuda_time_total", 0)
            if tot > 0:
                rows.append((e.key[:120], e.count, tot / 1e3))
    rows.sort(key=lambda r: -r[2])
    prof[f"B{B}"] = {"graph_ms": t_graph, "kernels": rows[:40], "kernel_ms_total": sum(r[2] for r in rows)}
    del Kc, Vc
res["replica"] = prof

json.dump(res, open(os.path.join(OUT, "gpu_profile.json"), "w"), indent=1)
print(f"copy bandwidth {res['copy_bw_TBs']:.2f} TB/s")
for k, v in gemm.items():
    print(f"gemm {k:28s} {v['ms']*1e3:9.1f} us  {v['bw_frac']*100:5.1f}% bw  {v['TFLOPs']:6.1f} TFLOP/s")
for k, v in att.items():
    print(f"attn {k:32s} " + (f"{v['ms']*1e3:9.1f} us" if "ms" in v else v["error"][:100]) +
          (f"  {v['bw_frac']*100:5.1f}% bw" if "bw_frac" in v else ""))
for k, v in prof.items():
    print(f"replica {k}: graph {v['graph_ms']:.2f} ms/step, kernels {v['kernel_ms_total']:.2f} ms")
    for r in v["kernels"][:25]:
        print(f"   {r[2]:8.3f} ms  x{r[1]:5d}  {r[0]}")
