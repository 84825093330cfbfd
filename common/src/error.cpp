#include "remedi/common/error.h"

namespace remedi {

static std::string compose(const std::string& what, const std::string& where, const std::string& hint) {
  std::string s = what;
  if (!where.empty()) s += " [" + where + "]";
  if (!hint.empty()) s += "; " + hint;
  return s;
}

Error::Error(std::string what, std::string where, std::string hint)
    : std::runtime_error(compose(what, where, hint)),
      what_(std::move(what)), where_(std::move(where)), hint_(std::move(hint)) {}

const char* version() { return REMEDI_VERSION; }
const char* git_sha() { return REMEDI_GIT_SHA; }

}  // namespace remedi
