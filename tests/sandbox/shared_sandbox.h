// The sandbox shared by the tests of one test program: made on first use (which forks the
// supervisor; Catch2 v2 runs single-threaded) and printing the isolation level in force.
#pragma once
#include <cstdio>
#include <memory>

#include "remedi/sandbox/sandbox.h"

namespace remedi::test {

inline remedi::sandbox::Sandbox& box() {
  static std::unique_ptr<remedi::sandbox::Sandbox> sb = [] {
    auto s = remedi::sandbox::make_sandbox({});
    std::fprintf(stderr, "%s\n", s->isolation().summary().c_str());
    return s;
  }();
  return *sb;
}

}  // namespace remedi::test
