// MATH answer extraction: the last \boxed{} / \fbox{} with brace matching (Hendrycks et al.'s
// MATH `last_boxed_only_string`, as in lm-evaluation-harness hendrycks_math utils), and Minerva's
// "The final answer is X" as a fallback (Lewkowycz et al. 2022, appendix prompt).
#include <string>

#include "remedi/common/strutil.h"
#include "remedi/tasks/extract.h"

namespace remedi::tasks {

namespace {

// Position of the last occurrence of any of the markers, and which length it has.
size_t rfind_marker(const std::string& s, size_t* len) {
  size_t best = std::string::npos;
  for (const char* m : {"\\boxed", "\\fbox"}) {
    size_t p = s.rfind(m);
    if (p != std::string::npos && (best == std::string::npos || p > best)) {
      best = p;
      *len = std::char_traits<char>::length(m);
    }
  }
  return best;
}

}  // namespace

std::string extract_last_boxed(const std::string& out) {
  size_t len = 0;
  size_t p = rfind_marker(out, &len);
  if (p == std::string::npos) return kInvalid;
  size_t i = p + len;
  if (i < out.size() && out[i] == ' ') {
    // "\boxed 5$": the argument runs to the next '$' (or end), as in last_boxed_only_string.
    size_t e = out.find('$', i);
    std::string v = trim(out.substr(i, e == std::string::npos ? std::string::npos : e - i));
    return v.empty() ? std::string(kInvalid) : v;
  }
  if (i >= out.size() || out[i] != '{') return kInvalid;
  int depth = 0;
  for (size_t j = i; j < out.size(); ++j) {
    if (out[j] == '\\' && j + 1 < out.size()) {  // escaped braces \{ \} do not count
      ++j;
      continue;
    }
    if (out[j] == '{') ++depth;
    if (out[j] == '}' && --depth == 0) return trim(out.substr(i + 1, j - i - 1));
  }
  return kInvalid;  // truncated: the generation stopped inside the box
}

std::string extract_math_answer(const std::string& out) {
  std::string boxed = extract_last_boxed(out);
  if (boxed != kInvalid) return boxed;
  std::string low = to_lower(out);
  const std::string key = "final answer is";
  size_t p = low.rfind(key);
  if (p == std::string::npos) return kInvalid;
  std::string rest = out.substr(p + key.size());
  size_t hope = to_lower(rest).find("i hope");
  if (hope != std::string::npos) rest = rest.substr(0, hope);
  size_t nl = rest.find('\n');
  if (nl != std::string::npos) rest = rest.substr(0, nl);
  rest = trim(rest);
  while (!rest.empty() && (rest.back() == '.' || rest.back() == ' ')) rest.pop_back();
  rest = trim(rest);
  if (rest.size() >= 2 && rest.front() == '$' && rest.back() == '$') rest = trim(rest.substr(1, rest.size() - 2));
  while (!rest.empty() && rest.front() == '$') rest.erase(0, 1);
  while (!rest.empty() && rest.back() == '$') rest.pop_back();
  rest = trim(rest);
  return rest.empty() ? std::string(kInvalid) : rest;
}

}  // namespace remedi::tasks
