// Safetensors reading, writing and validation (engine/safetensors.h), plus the dtype conversions.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/engine/safetensors.h"
#include "../test_support.h"

using namespace remedi;
using namespace remedi::engine;
namespace fs = std::filesystem;

namespace {

using remedi::test::TempDir;

// A raw file: 8-byte little-endian header length, the header text (padded with spaces so that the
// data starts `misalign` bytes after a multiple of 8), then `data`. len >= 0 overrides the length.
void write_raw(const std::string& path, std::string header, const std::string& data, int64_t len = -1,
               size_t misalign = 0) {
  while ((8 + header.size()) % 8 != misalign) header += ' ';
  uint64_t n = len < 0 ? header.size() : uint64_t(len);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = char((n >> (8 * i)) & 0xff);
  write_file_atomic(path, out + header + data);
}

// Expects open() to throw a remedi::Error whose text contains every needle.
void expect_error(const std::string& path, std::vector<std::string> needles) {
  try {
    SafetensorsFile::open(path);
    FAIL("no error for " << path);
  } catch (const Error& e) {
    std::string msg = e.what();
    INFO(msg);
    for (const auto& n : needles) CHECK(msg.find(n) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("bf16 and f16 conversions round to nearest even and keep special values", "[safetensors]") {
  CHECK(float_to_bf16(1.0f) == 0x3f80);
  CHECK(bf16_to_float(0x3f80) == 1.0f);
  CHECK(float_to_bf16(-2.0f) == 0xc000);
  CHECK(float_to_bf16(1.0f + 0x1.0p-8f) == 0x3f80);             // tie -> even (down)
  CHECK(float_to_bf16(1.0f + 3 * 0x1.0p-8f) == 0x3f82);         // tie -> even (up)
  CHECK(float_to_bf16(1.0f + 0x1.0p-8f + 0x1.0p-20f) == 0x3f81);  // above the tie
  CHECK(std::isnan(bf16_to_float(float_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  CHECK(bf16_to_float(float_to_bf16(std::numeric_limits<float>::infinity())) == std::numeric_limits<float>::infinity());

  CHECK(float_to_f16(1.0f) == 0x3c00);
  CHECK(float_to_f16(-2.0f) == 0xc000);
  CHECK(float_to_f16(65504.0f) == 0x7bff);           // largest finite f16
  CHECK(float_to_f16(65520.0f) == 0x7c00);           // rounds up to inf
  CHECK(float_to_f16(0x1.0p-24f) == 0x0001);         // smallest subnormal
  CHECK(float_to_f16(0x1.0p-25f) == 0x0000);         // tie between 0 and 2^-24 -> even (0)
  CHECK(float_to_f16(0x1.8p-25f) == 0x0001);
  CHECK(float_to_f16(0x1.0p-14f) == 0x0400);         // smallest normal
  CHECK(float_to_f16(1.0f + 0x1.0p-11f) == 0x3c00);  // tie -> even
  CHECK(f16_to_float(0x0001) == 0x1.0p-24f);
  CHECK(f16_to_float(0x3555) == Approx(0.333251953125f));
  CHECK(std::isnan(f16_to_float(float_to_f16(std::numeric_limits<float>::quiet_NaN()))));
  // Every finite f16 survives f16 -> float -> f16.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00) continue;
    REQUIRE(float_to_f16(f16_to_float(uint16_t(h))) == h);
  }
  CHECK(parse_dtype("BF16") == DType::BF16);
  CHECK(parse_dtype("F64") == std::nullopt);
  CHECK(dtype_size(DType::F32) == 4);
}

TEST_CASE("write_safetensors and SafetensorsFile round-trip every dtype, scalars and empty tensors", "[safetensors]") {
  TempDir tmp;
  std::vector<float> a{1.5f, -2.25f, 3.0f, 0.0f, 1e-3f, 7.0f};
  std::vector<uint16_t> b{float_to_bf16(0.5f), float_to_bf16(-1.0f), float_to_bf16(3.0f)};
  std::vector<uint16_t> h{float_to_f16(0.25f)};
  std::vector<TensorToWrite> ts{{"z.f32", DType::F32, {2, 3}, a.data(), a.size() * 4},
                                {"a.bf16", DType::BF16, {3}, b.data(), b.size() * 2},
                                {"m.scalar", DType::F16, {}, h.data(), 2},
                                {"e.empty", DType::F32, {0, 4}, nullptr, 0}};
  std::string path = tmp.path + "/x.safetensors";
  write_safetensors(path, ts, {{"format", "pt"}});

  auto f = SafetensorsFile::open(path);
  CHECK(f->header_size() % 8 == 0);
  CHECK(f->metadata()["format"] == "pt");
  REQUIRE(f->tensors().size() == 4);
  std::map<std::string, const TensorView*> by;
  for (const auto& t : f->tensors()) by[t.name] = &t;
  CHECK(by["z.f32"]->shape == std::vector<int64_t>{2, 3});
  CHECK(to_float(*by["z.f32"]) == a);
  CHECK(to_float(*by["a.bf16"]) == std::vector<float>{0.5f, -1.0f, 3.0f});
  CHECK(by["m.scalar"]->shape.empty());
  CHECK(to_float(*by["m.scalar"]) == std::vector<float>{0.25f});
  CHECK(by["e.empty"]->nbytes == 0);
  CHECK(by["a.bf16"]->file == fs::absolute(path).lexically_normal().string());
  // The 4-byte tensor is laid out first, so every tensor is aligned to its element size.
  const char* base = static_cast<const char*>(by["z.f32"]->data);
  CHECK(static_cast<const char*>(by["a.bf16"]->data) > base);
  for (const auto& t : f->tensors())
    if (t.nbytes) CHECK(reinterpret_cast<uintptr_t>(t.data) % dtype_size(t.dtype) == 0);
  CHECK(f->file_size() == 8 + f->header_size() + 24 + 6 + 2);
}

TEST_CASE("write_safetensors rejects inconsistent input", "[safetensors]") {
  TempDir tmp;
  std::vector<float> a(4);
  CHECK_THROWS_AS(write_safetensors(tmp.path + "/x", {{"t", DType::F32, {5}, a.data(), 16}}), Error);
  CHECK_THROWS_AS(write_safetensors(tmp.path + "/x", {{"t", DType::F32, {4}, a.data(), 16},
                                                      {"t", DType::F32, {4}, a.data(), 16}}),
                  Error);
  CHECK_THROWS_AS(write_safetensors(tmp.path + "/x", {{"t", DType::F32, {4}, a.data(), 16}}, {{"k", 1}}), Error);
  CHECK_FALSE(fs::exists(tmp.path + "/x"));
}

TEST_CASE("sharded writing splits by size and writes a consistent index", "[safetensors]") {
  TempDir tmp;
  std::vector<float> a(100, 1.0f), b(100, 2.0f), c(10, 3.0f);
  std::vector<TensorToWrite> ts{{"a", DType::F32, {100}, a.data(), 400},
                                {"b", DType::F32, {100}, b.data(), 400},
                                {"c", DType::F32, {10}, c.data(), 40}};
  auto names = write_sharded_safetensors(tmp.path, ts, 500);
  REQUIRE(names == std::vector<std::string>{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"});
  auto idx = nlohmann::json::parse(read_file(tmp.path + "/model.safetensors.index.json"));
  CHECK(idx["metadata"]["total_size"] == 840);
  CHECK(idx["weight_map"]["a"] == names[0]);
  CHECK(idx["weight_map"]["b"] == names[1]);
  CHECK(idx["weight_map"]["c"] == names[1]);
  auto s2 = SafetensorsFile::open(tmp.path + "/" + names[1]);
  REQUIRE(s2->tensors().size() == 2);
  CHECK(to_float(s2->tensors()[1]) == c);
}

TEST_CASE("SafetensorsFile names the file and tensor for every structural defect", "[safetensors]") {
  TempDir tmp;
  std::string p = tmp.path + "/bad.safetensors";
  std::string f32x2(8, '\0');
  auto hdr = [](const std::string& entry) { return "{\"w\":" + entry + "}"; };
  const std::string good = R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})";

  write_raw(p, hdr(good), f32x2);
  CHECK(SafetensorsFile::open(p)->tensors().size() == 1);  // the baseline is valid

  write_file_atomic(p, "abc");
  expect_error(p, {"too short", "bad.safetensors"});
  write_raw(p, hdr(good), f32x2, 1'000'000);
  expect_error(p, {"header length 1000000 runs past the end", "bad.safetensors"});
  write_raw(p, hdr(good), f32x2, int64_t(1) << 62);
  expect_error(p, {"corrupt safetensors header", "bad.safetensors"});
  write_raw(p, "{\"w\": {\"dtype\": \"F32\", \"sha", "");
  expect_error(p, {"JSON parse error", "bad.safetensors"});
  write_raw(p, "[1, 2, 3]", "");
  expect_error(p, {"not a JSON object", "bad.safetensors"});
  write_raw(p, hdr(R"({"dtype":"I64","shape":[1],"data_offsets":[0,8]})"), f32x2);
  expect_error(p, {"unsupported dtype 'I64'", "tensor 'w'", "bad.safetensors"});
  write_raw(p, hdr(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})"), f32x2);
  expect_error(p, {"do not match shape [3]", "tensor 'w'", "bad.safetensors"});
  write_raw(p, hdr(R"({"dtype":"F32","shape":[-2],"data_offsets":[0,8]})"), f32x2);
  expect_error(p, {"non-negative", "tensor 'w'"});
  write_raw(p, hdr(R"({"dtype":"F32","shape":[2]})"), f32x2);
  expect_error(p, {"dtype, shape and data_offsets", "tensor 'w'"});
  write_raw(p, hdr(R"({"dtype":"F32","shape":[4611686018427387904, 8],"data_offsets":[0,8]})"), f32x2);
  expect_error(p, {"overflows", "tensor 'w'"});
  write_raw(p, hdr(good), f32x2.substr(0, 5));  // truncated data
  expect_error(p, {"truncated", "tensor 'w'", "bad.safetensors"});
  write_raw(p, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
            f32x2);
  expect_error(p, {"overlaps", "bad.safetensors"});
  // A header of odd length puts the F32 tensor at an odd file offset.
  write_raw(p, hdr(good), f32x2, -1, 1);
  expect_error(p, {"not aligned", "tensor 'w'"});
  expect_error(tmp.path + "/absent.safetensors", {"cannot open", "absent.safetensors"});
}
