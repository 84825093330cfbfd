// Storage dtypes of safetensors files and their scalar conversions to and from float32.
#include <cmath>
#include <cstring>

#include "remedi/common/error.h"
#include "remedi/engine/safetensors.h"

namespace remedi::engine {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::BF16: return 2;
    case DType::F16: return 2;
    case DType::F32: return 4;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::BF16: return "BF16";
    case DType::F16: return "F16";
    case DType::F32: return "F32";
  }
  return "?";
}

std::optional<DType> parse_dtype(std::string_view s) {
  if (s == "BF16") return DType::BF16;
  if (s == "F16") return DType::F16;
  if (s == "F32") return DType::F32;
  return std::nullopt;
}

static uint32_t bits_of(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return x;
}
static float float_of(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

// bfloat16 is the top half of a float32, so widening is a shift.
float bf16_to_float(uint16_t bits) { return float_of(uint32_t(bits) << 16); }

uint16_t float_to_bf16(float f) {
  uint32_t x = bits_of(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x40);  // quiet NaN, keep sign
  // Round to nearest, ties to even: add 0x7fff plus the lowest kept bit, then truncate.
  x += 0x7fffu + ((x >> 16) & 1u);
  return uint16_t(x >> 16);
}

float f16_to_float(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0) {  // zero or subnormal: mant * 2^-24
    float v = std::ldexp(float(mant), -24);
    return (h & 0x8000u) ? -v : v;
  }
  if (exp == 31) return float_of(sign | 0x7f800000u | (mant << 13));  // inf / NaN
  return float_of(sign | ((exp + 112u) << 23) | (mant << 13));      // rebias 15 -> 127
}

uint16_t float_to_f16(float f) {
  uint32_t x = bits_of(f);
  uint16_t sign = uint16_t((x >> 16) & 0x8000u);
  uint32_t exp = (x >> 23) & 0xffu, mant = x & 0x7fffffu;
  if (exp == 0xff) return uint16_t(sign | 0x7c00u | (mant ? 0x200u : 0u));  // inf / NaN
  int e = int(exp) - 127 + 15;                                              // f16 biased exponent
  if (e >= 31) return uint16_t(sign | 0x7c00u);                             // overflow -> inf
  auto round_shift = [](uint32_t m, int shift) {                            // ties to even
    uint32_t r = m >> shift, rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1u))) ++r;
    return r;
  };
  if (e <= 0) {  // subnormal f16: value / 2^-24 = (1.mant) * 2^(exp - 126)
    int shift = 14 - e;
    if (shift > 24) return sign;
    return uint16_t(sign | round_shift(mant | 0x800000u, shift));
  }
  // A carry out of the mantissa correctly bumps the exponent (up to inf).
  uint32_t r = (uint32_t(e) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) ++r;
  return uint16_t(sign | r);
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<float> to_float(const TensorView& t) {
  size_t n = size_t(t.numel());
  if (t.nbytes != n * dtype_size(t.dtype))
    throw Error("tensor byte size does not match its shape", t.name + " in " + t.file);
  std::vector<float> out(n);
  const auto* p = static_cast<const unsigned char*>(t.data);
  for (size_t i = 0; i < n; ++i) {
    if (t.dtype == DType::F32) {
      std::memcpy(&out[i], p + 4 * i, 4);
    } else {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      out[i] = t.dtype == DType::BF16 ? bf16_to_float(h) : f16_to_float(h);
    }
  }
  return out;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace remedi::engine
