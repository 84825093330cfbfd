#include "environment.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "remedi/common/strutil.h"

namespace remedi::cli {

// First line of a text file, or "" (e.g. /proc/driver/nvidia/version exists only with the driver).
static std::string first_line(const std::string& path) {
  std::ifstream f(path);
  std::string l;
  std::getline(f, l);
  return trim(l);
}

static std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string l;
  while (std::getline(f, l))
    if (starts_with(l, "model name")) return trim(l.substr(l.find(':') + 1));
  return "";
}

nlohmann::json environment_json(const engine::ModelInfo* info) {
  nlohmann::json e;
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  struct utsname u {};
  ::uname(&u);
  e["hostname"] = host;
  e["os"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
  e["cpu"] = cpu_model();
  e["cpu_count"] = ::sysconf(_SC_NPROCESSORS_ONLN);
  e["nvidia_driver"] = first_line("/proc/driver/nvidia/version");
  if (info) {
    e["device"] = info->device;
    e["dtype"] = info->dtype;
    e["gpu"] = info->gpu_name;
    e["torch_version"] = info->torch_version;
  }
  return e;
}

}  // namespace remedi::cli
