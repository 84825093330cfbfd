// The seccomp filter every job runs under, compiled once by the supervisor (libseccomp allocates,
// so it cannot run after fork) into a plain BPF program the child installs with one prctl().
#pragma once
#include <linux/filter.h>
#include <string>
#include <vector>

namespace remedi::sandbox {

struct SeccompProgram {
  std::vector<sock_filter> code;
  sock_fprog prog{};  // points into code; valid while this object lives and is not copied
};

// Builds the deny-list filter (see seccomp_filter.cpp for the list and why). Throws
// remedi::Error if libseccomp fails.
void build_seccomp(SeccompProgram& out);

// Names of the denied system calls, for the isolation report.
std::vector<std::string> seccomp_denied_names();

}  // namespace remedi::sandbox
