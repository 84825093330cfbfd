// Launchers of the block-attention kernel (attention_kernels.cu): one denoising step's queries
// (T <= 64 per row) over an exact KV cache, flash-decoding style. The keys of each (row, head) are
// split over several CTAs so that small batches still stream K/V on every SM; each CTA keeps a
// partial softmax (max, sum, unnormalised float32 output) for all T queries of its (row, head), and
// the partials are combined in split order (deterministic): inside a thread-block cluster for 2-8
// splits on sm_90, else by the last CTA of the (row, head) to finish, through the workspace.
// Plain C++ types only, so the .cu file needs no torch headers and compiles with nvcc alone.
// Pointers are device memory holding bf16 (as uint16_t bits) or float32; `stream` is a cudaStream_t.
#pragma once
#include <cstdint>

namespace remedi::engine::cuda {

// Bytes of workspace block_attention needs for queries of up to T per row. The value depends on T
// (and D) only, grows with T, and serves every B, H and kv_len, so one buffer sized for the largest
// T serves all calls. The workspace must be ZERO-FILLED ONCE after allocation (e.g. torch::zeros):
// its first 1 KiB holds the split counters, which every call leaves at zero again (CUDA-graph replay
// safe). Do not share one workspace between calls that may run concurrently (different streams).
// Returns 0 for an unsupported D.
int64_t block_attention_workspace_bytes(int B, int T, int H, int D, int kv_len);

// out[b,t,h,:] = sum_s softmax_s(q[b,t,h,:] . K[b,h,s,:] / sqrt(D)) V[b,h,s,:] over the valid slots
// s of row b: [0, kv_len) when lo_len is null, else [0, lo_len[b]) U [hi, kv_len) with hi =
// hi_rows[b] (device int64 (B), read on the device like lo_len) or, when hi_rows is null, hi_start. Softmax in
// float32, P rounded to bf16 for the PV product (as flash attention does), float32 accumulation,
// one rounding of the output to bf16. A row whose valid set is empty gets zeros.
// q: bf16, element (b,t,h,i) at q[b*q_sb + t*q_st + h*q_sh + i] (i contiguous; q is usually a slice
//    of the (B,T,3,H,D) qkv matmul output, so q_st = 3*H*D, q_sh = D, q_sb = T*3*H*D).
// k, v: bf16 (B, H, s_cap, D) contiguous (row stride H*s_cap*D).
// out: bf16 (B, T, H, D) contiguous.
// kv_len_dev: null, or a device int64 holding the length actually attended (clamped to kv_len),
//    read on the device: one captured graph then serves every block of a generation. The split plan
//    follows the host kv_len (the bound), so a given bound gives the same arithmetic, eager or replayed.
// lo_len: null or device int64 (B) (read on the device, so graph replays see its current contents).
// workspace: device memory of block_attention_workspace_bytes(), zero-filled once (see above); may be
//    null only when a call needs no workspace (one split, or splits combined in a cluster).
// Returns the cudaError_t of the launch as int (0 = ok); an unsupported shape or alignment returns
// a nonzero code without launching (callers then fall back to torch SDPA): supported D == 128,
// 1 <= T <= 64, 1 <= kv_len <= s_cap, any B and H; q, k, v, out 16-byte aligned, q strides
// multiples of 8 elements. The first call on a device (or block_attention_workspace_bytes /
// block_attention_splits) queries the device's SM count and cluster support once; make one
// of these calls before a stream capture begins.
int block_attention(const void* q, int64_t q_sb, int64_t q_st, int64_t q_sh, const void* k, const void* v,
                    int64_t s_cap, void* out, int B, int T, int H, int D, int kv_len, const int64_t* kv_len_dev,
                    const int64_t* lo_len,
                    int hi_start, const int64_t* hi_rows, void* workspace, void* stream);

// block_attention with the rotary/cache step folded in (the rotary/cache kernel of fused_kernels.h
// and this one in one launch, with the same bits): qkv is the block's raw (B, T, 3, H, D) matmul output
// (q at qkv, k and v H*D elements further on, each with the strides q_sb, q_st, q_sh); cos, sin
// (B, T, D) float32 contiguous. The block's new keys and values are the LAST T slots attended,
// [len - T, len) with len the attended length (kv_len, or *kv_len_dev when given): the kernel
// rotates q and the new keys (x cos + rotate_half(x) sin, rotate_half(x) = [-x2, x1], float32, one
// bf16 rounding), stores the rotated keys in k and the values in v at those slots, and attends over
// the cache. qkv is not modified. Same support and return codes as block_attention, and kv_len >= T;
// cos, sin 16-byte aligned.
int rope_block_attention(const void* qkv, int64_t q_sb, int64_t q_st, int64_t q_sh, const float* cos,
                         const float* sin, void* k, void* v, int64_t s_cap, void* out, int B, int T, int H, int D,
                         int kv_len, const int64_t* kv_len_dev, const int64_t* lo_len, int hi_start,
                         const int64_t* hi_rows, void* workspace, void* stream);

// The number of key splits block_attention uses for this shape on the current device (for logs and
// benchmarks); a negative value on error.
int block_attention_splits(int B, int T, int H, int D, int kv_len);

// Benchmarks only: force the number of key splits (clamped to what the workspace holds); 0 restores
// the heuristic. Process-wide, not meant to change while other threads launch.
void block_attention_force_splits(int splits);

// Tests and benchmarks: allow (default) or forbid combining 2-8 splits inside a thread-block cluster
// (sm_90+); forbidden, every split count combines through the workspace. Process-wide like the above.
void block_attention_allow_clusters(bool on);
// Whether block_attention combines this shape's splits in a cluster on the current device.
bool block_attention_uses_cluster(int B, int T, int H, int D, int kv_len);

// Test/A-B hook: launch the kernel early (programmatic dependent launch, pdl.h; REMEDI_ATTN_EARLY=1)
// or plainly (the default).
void block_attention_early(bool on);

}  // namespace remedi::engine::cuda
