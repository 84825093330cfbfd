#include "remedi/common/args.h"

#include <cstdlib>

#include "remedi/common/error.h"
#include "remedi/common/strutil.h"

namespace remedi {

Args::Args(int argc, char** argv) {
  std::vector<std::string> v;
  for (int i = 0; i < argc; ++i) v.emplace_back(argv[i]);
  *this = Args(std::move(v));
}

Args::Args(std::vector<std::string> argv) {
  if (!argv.empty()) { cmd_ = argv[0]; argv.erase(argv.begin()); }
  // Split "--name=value" into two entries so lookups are uniform.
  for (auto& a : argv) {
    auto eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
      raw_.push_back(a.substr(0, eq));
      raw_.push_back(a.substr(eq + 1));
    } else {
      raw_.push_back(a);
    }
  }
  used_.assign(raw_.size(), false);
}

std::optional<size_t> Args::find(const std::string& name) {
  for (size_t i = 0; i < raw_.size(); ++i)
    if (raw_[i] == name) return i;
  return std::nullopt;
}

bool Args::flag(const std::string& name) {
  auto i = find(name);
  if (!i) return false;
  used_[*i] = true;
  return true;
}

std::optional<std::string> Args::opt(const std::string& name) {
  known_value_flags_.insert(name);
  auto i = find(name);
  if (!i) return std::nullopt;
  if (*i + 1 >= raw_.size())
    throw Error("flag " + name + " needs a value", cmd_, "write " + name + " VALUE");
  used_[*i] = used_[*i + 1] = true;
  return raw_[*i + 1];
}

std::string Args::get(const std::string& name) {
  auto v = opt(name);
  if (!v) throw Error("missing required flag " + name, cmd_, "see `remedi-eval " + cmd_ + " --help`");
  return *v;
}

std::string Args::get(const std::string& name, const std::string& def) { return opt(name).value_or(def); }

int64_t Args::get_int(const std::string& name, int64_t def) {
  auto v = opt(name);
  if (!v) return def;
  char* end = nullptr;
  long long x = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0') throw Error("flag " + name + " expects an integer, got '" + *v + "'", cmd_);
  return x;
}

double Args::get_double(const std::string& name, double def) {
  auto v = opt(name);
  if (!v) return def;
  char* end = nullptr;
  double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0') throw Error("flag " + name + " expects a number, got '" + *v + "'", cmd_);
  return x;
}

std::vector<std::string> Args::get_list(const std::string& name, const std::string& def) {
  std::vector<std::string> out;
  for (auto& s : split(get(name, def), ',')) {
    auto t = trim(s);
    if (!t.empty()) out.push_back(t);
  }
  return out;
}

std::vector<int64_t> Args::get_int_list(const std::string& name, const std::string& def) {
  std::vector<int64_t> out;
  for (auto& item : get_list(name, def)) {
    char* end = nullptr;
    long long x = std::strtoll(item.c_str(), &end, 10);
    if (*end != '\0') throw Error("flag " + name + " expects comma-separated integers, got '" + item + "'", cmd_);
    out.push_back(x);
  }
  return out;
}

std::vector<std::string> Args::positional() {
  std::vector<std::string> out;
  for (size_t i = 0; i < raw_.size(); ++i) {
    if (raw_[i].rfind("--", 0) == 0) {
      if (known_value_flags_.count(raw_[i])) ++i;  // skip its value
      continue;
    }
    used_[i] = true;
    out.push_back(raw_[i]);
  }
  return out;
}

void Args::finish() {
  for (size_t i = 0; i < raw_.size(); ++i)
    if (!used_[i])
      throw Error("unknown or misplaced argument '" + raw_[i] + "'", cmd_,
                  "see `remedi-eval " + cmd_ + " --help`");
}

}  // namespace remedi
