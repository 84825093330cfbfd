// Helpers shared by the task definitions.
#include "task_common.h"

#include "remedi/common/error.h"
#include "remedi/tasks/extract.h"

namespace remedi::tasks::detail {

std::string path_in(const TaskData& t, const std::string& rel) { return t.data_dir + "/" + rel; }

void bad_record(const std::string& what, const std::string& file, int64_t line) {
  throw Error(what, file + ":" + std::to_string(line),
              "the file does not have the official format (see datasets/README.md)");
}

std::string str_field(const JsonLine& l, const std::string& key, const std::string& file) {
  auto it = l.value.find(key);
  if (it == l.value.end()) bad_record("missing field '" + key + "'", file, l.line);
  if (!it->is_string()) bad_record("field '" + key + "' is not a string", file, l.line);
  return it->get<std::string>();
}

Prompt single_turn(const std::string& user) {
  Prompt p;
  p.messages.push_back({"user", user});
  return p;
}

std::string letters_for(size_t n) {
  std::string s;
  for (size_t i = 0; i < n && i < 26; ++i) s += static_cast<char>('A' + i);
  return s;
}

std::string lettered(const std::vector<std::string>& options, const std::string& sep, bool paren) {
  std::string out;
  for (size_t i = 0; i < options.size(); ++i) {
    if (i) out += "\n";
    char L = static_cast<char>('A' + i);
    out += paren ? std::string("(") + L + ")" + sep : std::string(1, L) + sep;
    out += options[i];
  }
  return out;
}

Score score_letter(const Doc& d, const std::string& output, size_t n_options) {
  Score s;
  FilterVerdict f;
  f.filter = "letter";
  f.extracted = extract_choice_letter(output, letters_for(n_options));
  f.correct = f.extracted != kInvalid && f.extracted == d.gold;
  s.filters.push_back(f);
  return s;
}

}  // namespace remedi::tasks::detail
