#include "command.h"

namespace remedi::cli {
std::map<std::string, Command>& commands() {
  static std::map<std::string, Command> m;  // function-local: safe from static-init order
  return m;
}
}  // namespace remedi::cli
