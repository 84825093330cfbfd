// The supervisor process: forked once by make_sandbox(), it owns the worker pool and never
// returns into the caller's code.
#pragma once
#include "remedi/sandbox/sandbox.h"

namespace remedi::sandbox {

// Runs in the freshly forked supervisor: probes the isolation level, sends the hello message on
// `sock`, then serves requests until the client closes the socket. Exits the process.
[[noreturn]] void supervisor_main(int sock, const SandboxOptions& opts);

}  // namespace remedi::sandbox
