// Text-level normalisation of MATH answers. Follows Hendrycks et al.'s `strip_string` (MATH repo,
// modeling/math_equivalence.py) and Minerva's `normalize_final_answer` (Lewkowycz et al. 2022,
// appendix D; as in lm-evaluation-harness minerva_math/utils.py), written natively.
#include <cctype>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "remedi/common/strutil.h"
#include "remedi/tasks/math_equiv.h"

namespace remedi::tasks {

namespace {

// Unit and filler words Minerva's normaliser removes (REMOVED_EXPRESSIONS), whole words only.
const std::vector<std::string>& unit_words() {
  static const std::vector<std::string> w = {
      "square", "ways", "integers", "dollars", "mph", "inches", "inch", "ft", "hours", "hour", "km",
      "units", "unit", "points", "feet", "foot", "minutes", "minute", "digits", "cents", "degrees",
      "degree", "cm", "gm", "pounds", "meters", "meter", "meals", "edges", "students", "multiples",
      "seconds", "second", "days", "day", "miles", "mile", "cubic", "sq", "m", "s", "liters", "grams",
      "years", "year", "people", "percent", "sides", "times"};
  return w;
}

// Replaces every "\cmd{X}" (balanced) with f(X).
template <class F>
std::string map_command(const std::string& s, const std::string& cmd, F f) {
  std::string out;
  size_t i = 0;
  const std::string key = "\\" + cmd + "{";
  while (true) {
    size_t p = s.find(key, i);
    if (p == std::string::npos) break;
    out += s.substr(i, p - i);
    size_t j = p + key.size();
    int depth = 1;
    size_t k = j;
    for (; k < s.size() && depth > 0; ++k) {
      if (s[k] == '{') ++depth;
      if (s[k] == '}') --depth;
    }
    if (depth != 0) {  // unbalanced: leave the rest alone
      out += s.substr(p);
      return out;
    }
    out += f(s.substr(j, k - 1 - j));
    i = k;
  }
  return out + s.substr(i);
}

// "\frac12" → "\frac{1}{2}", "\frac1b" → "\frac{1}{b}", "\sqrt2" → "\sqrt{2}" (Hendrycks fix_fracs,
// fix_sqrt).
std::string fix_shorthand(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    auto take = [&](const char* cmd, int nargs) -> bool {
      size_t n = std::char_traits<char>::length(cmd);
      if (s.compare(i, n, cmd) != 0) return false;
      size_t j = i + n;
      if (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) return false;  // \fracx? \sqrtx...
      out += cmd;
      for (int a = 0; a < nargs; ++a) {
        while (j < s.size() && s[j] == ' ') ++j;
        if (j >= s.size()) break;
        if (s[j] == '{' || s[j] == '\\' || s[j] == '[') break;  // already braced / a command
        out += '{';
        out += s[j];
        out += '}';
        ++j;
      }
      i = j;
      return true;
    };
    if (take("\\frac", 2) || take("\\sqrt", 1)) continue;
    out += s[i++];
  }
  return out;
}

}  // namespace

std::string normalize_math_answer(const std::string& in) {
  // Matrix row breaks "\\" must survive the removal of "\ " and friends: park them in a byte
  // that never occurs in answers and restore them at the end.
  std::string s = replace_all(trim(in), "\\\\", "\x01");
  // LaTeX spacing and sizing that never carries meaning.
  for (const char* r : {"\\left", "\\right", "\\!", "\\displaystyle", "\\,", "\\;", "\\:", "\\ ", "~",
                        "\\big", "\\Big", "\\bigl", "\\bigr"})
    s = replace_all(s, r, " ");
  s = replace_all(s, "\\\\left", " ");
  s = replace_all(s, "{,}", "");  // LaTeX thousands separator "58{,}500" (Minerva removes it)
  s = trim(s);
  while (!s.empty() && s.back() == '.') s.pop_back();  // "58,500." — before the thousands rule
  s = replace_all(s, "\\dfrac", "\\frac");
  s = replace_all(s, "\\tfrac", "\\frac");
  s = replace_all(s, "\\cfrac", "\\frac");
  // degrees, percent, dollars
  for (const char* r : {"^{\\circ}", "^\\circ", "°", "{}^\\circ", "\\%", "%", "\\$", "$"}) s = replace_all(s, r, "");
  s = replace_all(s, "\\mathbf{", "\\text{");
  s = replace_all(s, "\\textbf{", "\\text{");
  s = replace_all(s, "\\mathrm{", "\\text{");
  s = replace_all(s, "\\mbox{", "\\text{");
  s = replace_all(s, "\\textnormal{", "\\text{");
  // \text{...}: units after a quantity are dropped ("5\text{ cm}^2"); text that is the answer
  // itself ("\text{(C)}", "\text{Monday}") is kept as plain text.
  std::string no_text = s;
  static const RE2 text_unit(R"(\\text\{[^{}]*\}(?:\^\{?[23]\}?)?)");
  RE2::GlobalReplace(&no_text, text_unit, "");
  bool has_digit = false;
  for (char c : no_text) has_digit = has_digit || std::isdigit(static_cast<unsigned char>(c));
  if (no_text != s && has_digit && !trim(no_text).empty()) {
    s = no_text;
  } else {
    s = map_command(s, "text", [](const std::string& x) { return x; });
  }
  s = fix_shorthand(s);
  // "x = 5", "k=\frac12": a short left side names the unknown (Hendrycks: len(lhs) <= 2).
  {
    size_t eq = s.find('=');
    if (eq != std::string::npos && s.find('=', eq + 1) == std::string::npos) {
      std::string lhs = trim(s.substr(0, eq));
      if (lhs.size() <= 2 || (lhs[0] == '\\' && lhs.find(' ') == std::string::npos && lhs.size() <= 8))
        s = s.substr(eq + 1);
    }
  }
  // Trailing unit words after a number ("5 cm", "10 dollars").
  {
    std::vector<std::string> words = split(trim(s), ' ');
    while (words.size() > 1) {
      std::string w = to_lower(words.back());
      bool unit = false;
      for (const auto& u : unit_words()) unit = unit || w == u;
      if (!unit) break;
      words.pop_back();
    }
    s = join(words, " ");
  }
  // Thousands separators in a plain number: "1,000,000" → "1000000" (Minerva).
  static const RE2 thousands(R"(^\s*-?\d{1,3}(,\d{3})+(\.\d+)?\s*$)");
  if (RE2::FullMatch(s, thousands)) s = replace_all(s, ",", "");
  // Whitespace carries no meaning once commands are delimited; Hendrycks removes all spaces.
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      // keep one space between a command and a following letter ("\pi r" must not become "\pir")
      if (!out.empty() && i + 1 < s.size() && std::isalpha(static_cast<unsigned char>(s[i + 1]))) {
        size_t b = out.find_last_of('\\');
        bool in_cmd = b != std::string::npos;
        for (size_t k = b == std::string::npos ? 0 : b + 1; in_cmd && k < out.size(); ++k)
          in_cmd = std::isalpha(static_cast<unsigned char>(out[k]));
        if (in_cmd) out += ' ';
      }
      continue;
    }
    out += s[i];
  }
  out = replace_all(out, "\x01", "\\\\");
  while (!out.empty() && out.back() == '.') out.pop_back();
  // "0.50" → "0.5", "18.00" → "18" (plain numbers only)
  static const RE2 decimal(R"(^-?\d+\.\d*$)");
  if (RE2::FullMatch(out, decimal)) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  if (out.size() > 1 && out[0] == '0' && out[1] == '.') {}  // leave "0.5" as is
  if (!out.empty() && out[0] == '.') out = "0" + out;        // ".5" → "0.5" (Hendrycks)
  return out;
}

}  // namespace remedi::tasks
