// remedi-eval: evaluation and benchmark harness for remasking diffusion language models.
#include <cstdio>
#include <exception>

#include "command.h"
#include "remedi/common/error.h"


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
