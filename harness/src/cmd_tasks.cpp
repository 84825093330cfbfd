// remedi-eval tasks: the task registry — names, versions, kinds, protocols, filters, data files.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "command.h"
#include "remedi/common/strutil.h"
#include "remedi/tasks/registry.h"

namespace {

int run_tasks(remedi::Args& a) {
  if (a.help()) {
    std::printf("usage: remedi-eval tasks [--json]\n  Lists the benchmark tasks with their version, protocols "
                "(first = default), extraction filters and data files.\n");
    return 0;
  }
  bool js = a.flag("--json");
  a.finish();
  using namespace remedi::tasks;
  if (js) {
    for (const auto& t : task_table()) {
      nlohmann::json j = {{"task", t.name},           {"version", t.version},   {"kind", kind_name(t.kind)},
                          {"protocols", t.protocols}, {"filters", t.filters},   {"data", t.data_files},
                          {"description", t.description}};
      nlohmann::json primary = nlohmann::json::object();
      for (const auto& p : t.protocols) primary[p] = primary_filter(t, p);
      j["primary_filter"] = primary;
      std::printf("%s\n", j.dump().c_str());
    }
    return 0;
  }
  std::printf("%-14s %-3s %-15s %-24s %-27s %s\n", "task", "ver", "kind", "protocols", "filters", "data");
  for (const auto& t : task_table())
    std::printf("%-14s %-3s %-15s %-24s %-27s %s\n", t.name.c_str(), t.version.c_str(), kind_name(t.kind),
                remedi::join(t.protocols, ",").c_str(), remedi::join(t.filters, ",").c_str(), t.data_files.c_str());
  return 0;
}

}  // namespace

REMEDI_COMMAND(tasks, "tasks", "list benchmark tasks, versions and prompt protocols", run_tasks)
