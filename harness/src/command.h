// Subcommands of the remedi-eval CLI register themselves here, one file each (cmd_<name>.cpp):
//
//   static int run_generate(remedi::Args& a) { ... return 0; }
//   REMEDI_COMMAND(generate, "generate", "generate an answer for one prompt", run_generate)
//
// main() dispatches argv[1] to the command of that name. A command returns its exit code; bad input
// is a remedi::Error thrown from anywhere below, which main() prints and turns into exit code 2.
#pragma once
#include <map>
#include <string>

#include "remedi/common/args.h"

namespace remedi::cli {

using CommandFn = int (*)(Args&);
struct Command {
  std::string summary;
  CommandFn run;
};
std::map<std::string, Command>& commands();

struct CommandRegistrar {
  CommandRegistrar(const char* name, const char* summary, CommandFn fn) { commands()[name] = {summary, fn}; }
};

}  // namespace remedi::cli

#define REMEDI_COMMAND(id, name, summary, fn) \
  static ::remedi::cli::CommandRegistrar remedi_command_##id(name, summary, fn);
