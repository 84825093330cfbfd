// The trusted Python driver that runs inside the jail (passed with -c) and the job header it reads.
#pragma once
#include <string>

namespace remedi::sandbox {

// Source of the driver (see driver.cpp for the verdict protocol and its guarantees).
const std::string& driver_source();

// What the supervisor writes on the spec pipe (fd 3): one header line, then the program bytes,
// then the test bytes. main_mode: the program is itself the test (__name__ == "__main__").
std::string job_spec(const std::string& nonce, const std::string& program, const std::string& tests,
                     bool main_mode);

}  // namespace remedi::sandbox
