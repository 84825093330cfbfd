// Text helpers with the reference's Python semantics (instructions_util.py and the str methods
// the checkers call), plus the kwargs reader and regex helpers shared by every checker family.
#include <re2/re2.h>

#include "ifeval_internal.h"
#include "remedi/common/error.h"
#include "remedi/tasks/ifeval.h"

namespace remedi::tasks::ifeval {
namespace detail {

// ---- kwargs ----
Kwargs::Kwargs(std::string id, const nlohmann::json& kwargs) : id_(std::move(id)) {
  if (kwargs.is_null()) {
    kw_ = nlohmann::json::object();
  } else if (!kwargs.is_object()) {
    throw Error("IFEval kwargs must be a JSON object", id_, "check the dataset's kwargs list");
  } else {
    for (auto it = kwargs.begin(); it != kwargs.end(); ++it)
      if (!it.value().is_null()) kw_[it.key()] = it.value();
  }
}

void Kwargs::fail(const std::string& key, const std::string& problem) const {
  throw Error("IFEval instruction " + id_ + ": kwarg '" + key + "' " + problem, id_,
              "the kwargs must match the reference's build_description() arguments");
}

const nlohmann::json& Kwargs::get(const std::string& key) {
  if (!kw_.contains(key)) fail(key, "is missing (the reference would pick a random value)");
  used_.insert(key);
  return kw_[key];
}

bool Kwargs::has(const std::string& key) const { return kw_.contains(key); }

long Kwargs::integer(const std::string& key) {
  const auto& v = get(key);
  if (!v.is_number_integer()) fail(key, "must be an integer, got " + v.dump());
  return v.get<long>();
}

std::string Kwargs::string(const std::string& key) {
  const auto& v = get(key);
  if (!v.is_string()) fail(key, "must be a string, got " + v.dump());
  return v.get<std::string>();
}

std::vector<std::string> Kwargs::strings(const std::string& key) {
  const auto& v = get(key);
  if (!v.is_array() || v.empty()) fail(key, "must be a non-empty list of strings");
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) fail(key, "must hold only strings, got " + e.dump());
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::string Kwargs::relation(const std::string& key) {
  std::string r = string(key);
  if (r != "less than" && r != "at least") fail(key, "must be 'less than' or 'at least', got '" + r + "'");
  return r;
}

void Kwargs::finish() const {
  for (auto it = kw_.begin(); it != kw_.end(); ++it)
    if (!used_.count(it.key())) fail(it.key(), "is not an argument of this instruction");
}

// ---- regex ----
std::string py_re(std::string_view pattern) {
  // Py_UNICODE_ISSPACE as an RE2 class (see is_space in ifeval_unicode.cpp).
  static const char* space =
      "[\\t\\n\\x{0B}\\f\\r\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
      "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]";
  std::string out;
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      char e = pattern[++i];
      if (!in_class && e == 's') out += space;
      else if (!in_class && e == 'd') out += "\\p{Nd}";
      else out += std::string{c, e};
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      out += c;
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];  // "[]...]"
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

bool py_word_boundary(const std::vector<char32_t>& cps, std::size_t i) {
  bool before = i > 0 && is_word(cps[i - 1]);
  bool after = i < cps.size() && is_word(cps[i]);
  return before != after;
}

std::shared_ptr<re2::RE2> compile(const std::string& pattern, bool ignore_case,
                                  const std::string& instruction_id) {
  re2::RE2::Options opt;
  opt.set_case_sensitive(!ignore_case);
  opt.set_log_errors(false);
  auto re = std::make_shared<re2::RE2>(py_re(pattern), opt);
  if (!re->ok())
    throw Error("IFEval instruction " + instruction_id + ": pattern '" + pattern +
                    "' does not compile (" + re->error() + ")",
                instruction_id, "the reference treats keywords as Python regexes");
  return re;
}

std::size_t count_matches(const re2::RE2& re, std::string_view text) {
  std::size_t n = 0, pos = 0;
  re2::StringPiece m;
  while (pos <= text.size() &&
         re.Match(re2::StringPiece(text.data(), text.size()), pos, text.size(), re2::RE2::UNANCHORED,
                  &m, 1)) {
    ++n;
    std::size_t end = static_cast<std::size_t>(m.data() - text.data()) + m.size();
    pos = m.empty() ? end + 1 : end;  // findall steps over empty matches
  }
  return n;
}

bool compare(std::size_t actual, const std::string& relation, long threshold) {
  long a = static_cast<long>(actual);
  return relation == "less than" ? a < threshold : a >= threshold;
}

}  // namespace detail

namespace text {
using namespace detail;

std::size_t count_words(std::string_view s) {
  // RegexpTokenizer(r"\w+"): maximal runs of word characters.
  std::size_t n = 0;
  bool in_word = false;
  for (char32_t c : decode(s)) {
    bool w = is_word(c);
    if (w && !in_word) ++n;
    in_word = w;
  }
  return n;
}

bool py_isupper(std::string_view s) {
  // CPython unicode_isupper_impl: no lower/title character and at least one upper one.
  bool cased = false;
  for (char32_t c : decode(s)) {
    if (is_lower(c) || is_title(c)) return false;
    if (is_upper(c)) cased = true;
  }
  return cased;
}

bool py_islower(std::string_view s) {
  bool cased = false;
  for (char32_t c : decode(s)) {
    if (is_upper(c) || is_title(c)) return false;
    if (is_lower(c)) cased = true;
  }
  return cased;
}

std::string py_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : decode(s)) append_utf8(out, to_lower(c));
  return out;
}

std::string py_strip(std::string_view s) {
  auto cps = decode(s);
  std::size_t a = 0, b = cps.size();
  while (a < b && is_space(cps[a])) ++a;
  while (b > a && is_space(cps[b - 1])) --b;
  return encode(std::vector<char32_t>(cps.begin() + a, cps.begin() + b));
}

std::vector<std::string> py_split_ws(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool in_tok = false;
  for (char32_t c : decode(s)) {
    if (is_space(c)) {
      if (in_tok) out.push_back(std::move(cur));
      cur.clear();
      in_tok = false;
    } else {
      append_utf8(cur, c);
      in_tok = true;
    }
  }
  if (in_tok) out.push_back(std::move(cur));
  return out;
}

std::size_t py_len(std::string_view s) { return decode(s).size(); }

}  // namespace text
}  // namespace remedi::tasks::ifeval
