// A small command-line parser for the remedi-eval subcommands.
//
//   Args a(argc, argv);                       // argv[0] is the subcommand name
//   std::string model = a.get("--model");     // required: throws remedi::Error if absent
//   int steps = a.get_int("--steps", 32);     // optional with default
//   bool js = a.flag("--json");
//   auto files = a.positional();              // everything that is not a --flag [value]
//   a.finish();                               // throws on any flag nobody asked for (typos)
//
// Flags take "--name value" or "--name=value". A flag queried with flag() takes no value.
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace remedi {

class Args {
 public:
  Args(int argc, char** argv);                 // argv[0] is the (sub)command name
  explicit Args(std::vector<std::string> argv);

  const std::string& command() const { return cmd_; }
  bool flag(const std::string& name);                                     // --name present?
  std::optional<std::string> opt(const std::string& name);                // --name VALUE or nothing
  std::string get(const std::string& name);                               // required
  std::string get(const std::string& name, const std::string& def);
  int64_t get_int(const std::string& name, int64_t def);
  double get_double(const std::string& name, double def);
  std::vector<std::string> get_list(const std::string& name, const std::string& def = "");  // comma list
  std::vector<int64_t> get_int_list(const std::string& name, const std::string& def = "");  // "1,8,64"
  std::vector<std::string> positional();       // non-flag arguments, in order
  bool help() { return flag("--help") || flag("-h"); }
  void finish();                               // error on unknown flags

 private:
  std::string cmd_;
  std::vector<std::string> raw_;
  std::vector<bool> used_;
  std::set<std::string> known_value_flags_;
  std::optional<size_t> find(const std::string& name);
};

}  // namespace remedi
