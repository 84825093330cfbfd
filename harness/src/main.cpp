// remedi-eval: evaluation and benchmark harness for remasking diffusion language models.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <system_error>

#include "command.h"
#include "remedi/common/error.h"


// The engine's cuBLASLt algorithm choices (engine/src/cuda/lt_gemm.h) persist in the file
// REMEDI_GEMM_TUNING names; by default the user's cache, so that every run on this machine makes
// the same choices and so computes the same matmuls. REMEDI_GEMM_TUNING= (empty) turns it off.
static void default_gemm_tuning_file() {
  if (std::getenv("REMEDI_GEMM_TUNING") != nullptr) return;
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::filesystem::path dir;
  if (xdg != nullptr && *xdg != '\0')
    dir = std::filesystem::path(xdg) / "remedi-eval";
  else if (home != nullptr && *home != '\0')
    dir = std::filesystem::path(home) / ".cache" / "remedi-eval";
  else
    return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return;  // no cache directory: choices are made afresh by each process
  setenv("REMEDI_GEMM_TUNING", (dir / "gemm-tuning.tsv").string().c_str(), 0);
}

static void usage() {
  std::fprintf(stderr, "remedi-eval %s (%s)\nusage: remedi-eval COMMAND [flags]   (COMMAND --help for its flags)\n\ncommands:\n",
               remedi::version(), remedi::git_sha());
  for (auto& [name, c] : remedi::cli::commands()) std::fprintf(stderr, "  %-16s %s\n", name.c_str(), c.summary.c_str());
}

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    usage();
    return argc < 2 ? 2 : 0;
  }
  if (std::string(argv[1]) == "--version") {
    std::printf("remedi-eval %s (%s)\n", remedi::version(), remedi::git_sha());
    return 0;
  }
  auto& cmds = remedi::cli::commands();
  auto it = cmds.find(argv[1]);
  if (it == cmds.end()) {
    std::fprintf(stderr, "error: unknown command '%s'\n\n", argv[1]);
    usage();
    return 2;
  }
  default_gemm_tuning_file();
  try {
    remedi::Args args(argc - 1, argv + 1);
    return it->second.run(args);
  } catch (const remedi::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
