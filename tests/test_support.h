// Helpers shared by the tests.
#pragma once
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace remedi::test {

// The official benchmark data: $REMEDI_DATA, else ../shared/datasets beside the checkout.
inline std::string datasets_dir() {
  if (const char* e = std::getenv("REMEDI_DATA")) return e;
  return std::string(REMEDI_SOURCE_DIR) + "/../shared/datasets";
}

// For `data` tests: exits the whole test program with 77 (ctest: skipped) and a visible message
// when the official data is not there.
inline std::string require_datasets() {
  std::string d = datasets_dir();
  struct stat st;
  if (::stat(d.c_str(), &st) != 0) {
    std::fprintf(stderr, "SKIPPED: official datasets not found at %s (set REMEDI_DATA)\n", d.c_str());
    std::exit(77);
  }
  return d;
}

// Path of the built remedi-eval binary (set by ctest for every test).
inline std::string remedi_bin() {
  const char* e = std::getenv("REMEDI_BIN");
  return e ? e : "remedi-eval";
}

// A fresh directory under $TMPDIR, removed with everything in it when the object goes.
struct TempDir {
  std::string path;
  explicit TempDir(const std::string& prefix = "remedi-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace remedi::test
