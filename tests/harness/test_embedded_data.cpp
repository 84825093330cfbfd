// The embedded demo task set (harness/data) must load with the official loaders and its reference
// answers must pass the tasks' own scorers: then a wrong verdict in the demo is the model's.
#include <catch2/catch.hpp>

#include "remedi/sandbox/sandbox.h"
#include "remedi/tasks/registry.h"
#include "remedi/tasks/selfcheck.h"

using namespace remedi;

static const std::string kData = std::string(REMEDI_SOURCE_DIR) + "/harness/data";

TEST_CASE("embedded data: every task loads and its references score correct", "[harness][data]") {
  // The sandbox supervisor must be forked before any other thread exists (sandbox.h).
  auto sb = sandbox::make_sandbox({});
  struct Want {
    const char* task;
    size_t docs;
  };
  for (Want w : {Want{"gsm8k", 8}, Want{"math500", 5}, Want{"arc_challenge", 4}, Want{"humaneval", 3}}) {
    INFO(w.task);
    auto t = tasks::load_task(w.task, kData);
    CHECK(t.docs.size() == w.docs);
    for (const auto& protocol : t.spec->protocols) {
      INFO(protocol);
      auto r = tasks::selfcheck(t, protocol, sb.get());
      CHECK(r.status == "ok");
      CHECK(r.total == static_cast<int64_t>(w.docs));
      CHECK(r.agree == r.total);
      for (const auto& d : r.disagreements) UNSCOPED_INFO(d);
    }
  }
}
