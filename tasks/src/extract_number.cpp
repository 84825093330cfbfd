// GSM8K extraction filters and numeric equality.
// Sources: lm-evaluation-harness lm_eval/tasks/gsm8k/gsm8k.yaml (filters "strict-match" with
// regex "#### (\-?[0-9\.\,]+)" and "flexible-extract" with "(-?[$0-9.,]{2,})|(-?[0-9]+)", group
// select -1) and its exact_match regexes_to_ignore [",", "\$", "(?s).*#### ", "\.$"].
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <re2/re2.h>

#include "remedi/common/strutil.h"
#include "remedi/tasks/extract.h"

namespace remedi::tasks {

std::string canonical_number(const std::string& raw) {
  std::string s;
  for (char c : raw)
    if (c != ',' && c != '$' && c != ' ' && c != '\t' && c != '\n') s += c;
  while (!s.empty() && s.back() == '.') s.pop_back();
  if (s.empty()) return "";
  char* end = nullptr;
  long double v = std::strtold(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(static_cast<double>(v))) return "";
  if (v == 0) return "0";  // "-0", "0.00"
  long double r = std::nearbyintl(v);
  char buf[64];
  if (r == v && std::fabs(static_cast<double>(v)) < 1e18) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(r));
  } else {
    std::snprintf(buf, sizeof buf, "%.12Lg", v);
  }
  return buf;
}

bool numbers_equal(const std::string& a, const std::string& b) {
  std::string ca = canonical_number(a), cb = canonical_number(b);
  if (ca.empty() || cb.empty()) return false;
  if (ca == cb) return true;
  double x = std::strtod(ca.c_str(), nullptr), y = std::strtod(cb.c_str(), nullptr);
  return std::fabs(x - y) <= 1e-9 * std::max(1.0, std::fabs(y));
}

std::string extract_gsm8k_strict(const std::string& out) {
  // First "#### N", as lm-eval's regex filter (group_select 0) takes the first match.
  static const RE2 re(R"(#### (\-?[0-9\.\,]+))");
  std::string m;
  if (!RE2::PartialMatch(out, re, &m)) return kInvalid;
  std::string c = canonical_number(m);
  return c.empty() ? std::string(kInvalid) : c;
}

std::string extract_gsm8k_flexible(const std::string& out) {
  static const RE2 re(R"((-?[$0-9.,]{2,})|(-?[0-9]+))");
  re2::StringPiece in(out);
  std::string a, b, last;
  bool any = false;
  while (RE2::FindAndConsume(&in, re, &a, &b)) {
    std::string m = a.empty() ? b : a;
    // Tokens such as "..", ",," or "$." match the pattern but are not numbers; lm-eval would
    // return them and then score them wrong; skipping them keeps the last real number.
    if (canonical_number(m).empty()) continue;
    last = m;
    any = true;
  }
  if (!any) return kInvalid;
  return canonical_number(last);
}

}  // namespace remedi::tasks
