// remedi::Error — the one exception type for bad input to a run (a checkpoint, a dataset, a flag).
// It carries what went wrong, where (a file, a tensor, a line) and what to do about it; the CLI
// catches it once, prints it and exits with code 2. One bad sample is never an Error: it is a
// recorded outcome.
#pragma once
#include <stdexcept>
#include <string>

namespace remedi {

class Error : public std::runtime_error {
 public:
  // what: the problem; where: file/tensor/line it concerns (may be empty); hint: what to do.
  Error(std::string what, std::string where = {}, std::string hint = {});
  const std::string& problem() const { return what_; }
  const std::string& where() const { return where_; }
  const std::string& hint() const { return hint_; }

 private:
  std::string what_, where_, hint_;
};

// Library and build identity, recorded in every result file.
const char* version();   // e.g. "0.1.0"
const char* git_sha();   // short sha at configure time, or "unknown"

}  // namespace remedi
