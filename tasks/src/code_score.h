// Running extracted code through the sandbox interface (private to the tasks module).
#pragma once
#include <string>

#include "remedi/sandbox/executor.h"
#include "remedi/tasks/types.h"

namespace remedi::tasks::detail {

// The outcome's name as recorded. The sandbox library has outcome_name(), but tasks only see the
// interface header and do not link the implementation, so the names are spelled here too.
const char* outcome_str(sandbox::Outcome o);

// Filter "code": runs program + tests when the extraction is valid and a sandbox is given.
// Without a sandbox the grader verdict is "needs_sandbox" and the sample scores incorrect.
Score run_code(const std::string& extracted, const std::string& program, const std::string& tests,
               sandbox::Executor* sandbox);

}  // namespace remedi::tasks::detail
