// detectable_content:* and detectable_format:* checkers (instructions.py: PlaceholderChecker,
// PostscriptChecker, BulletListChecker, ConstrainedResponseChecker, HighlightSectionChecker,
// SectionChecker, JsonFormat, TitleChecker). The regexes are the reference's, run on RE2.
#include <re2/re2.h>

#include "ifeval_internal.h"
#include "remedi/common/strutil.h"
#include "remedi/tasks/ifeval.h"

namespace remedi::tasks::ifeval::detail {
namespace {

// All non-overlapping matches of re in value (re.findall without groups).
std::vector<std::string> find_all(const re2::RE2& re, const std::string& value) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  re2::StringPiece m;
  re2::StringPiece all(value);
  while (pos <= value.size() && re.Match(all, pos, value.size(), re2::RE2::UNANCHORED, &m, 1)) {
    out.emplace_back(m.data(), m.size());
    std::size_t end = static_cast<std::size_t>(m.data() - value.data()) + m.size();
    pos = m.empty() ? end + 1 : end;
  }
  return out;
}

// Python's str.strip(chars) for one ASCII character.
std::string strip_char(const std::string& s, char c) {
  std::size_t a = s.find_first_not_of(c);
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(c) - a + 1);
}

// Python's json.loads also accepts the bare constants NaN, Infinity and -Infinity as values;
// nlohmann::json does not. Outside string literals, replace each by " 0 " (spaces keep "[1NaN]"
// invalid, as Python finds it) so the two agree on validity; '"NaN"' in a string is left alone.
std::string python_constants_as_zero(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  bool in_string = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < v.size()) out += v[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    bool replaced = false;
    for (std::string_view k : {"-Infinity", "Infinity", "NaN"}) {
      if (v.compare(i, k.size(), k) == 0) {
        out += " 0 ";
        i += k.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

}  // namespace

Check make_number_placeholders(Kwargs& kw) {
  long n = kw.integer("num_placeholders");
  return [n](const std::string& value) {
    static const re2::RE2 placeholder("\\[.*?\\]");
    return static_cast<long>(count_matches(placeholder, value)) >= n;
  };
}

Check make_postscript(Kwargs& kw) {
  std::string marker = text::py_strip(kw.string("postscript_marker"));
  // The two markers of the dataset get tolerant patterns; any other is used as a regex.
  std::string pattern;
  if (marker == "P.P.S") pattern = "\\s*p\\.\\s?p\\.\\s?s.*$";
  else if (marker == "P.S.") pattern = "\\s*p\\.\\s?s\\..*$";
  else pattern = "\\s*" + text::py_lower(marker) + ".*$";
  auto re = compile("(?m)" + pattern, false, "detectable_content:postscript");
  return [re](const std::string& value) { return re2::RE2::PartialMatch(text::py_lower(value), *re); };
}

Check make_number_bullet_lists(Kwargs& kw) {
  long n = kw.integer("num_bullets");
  return [n](const std::string& value) {
    // "* item" (but not "**bold**") and "- item" lines; ^\s* may also swallow blank lines.
    static const re2::RE2 star(py_re("(?m)^\\s*\\*[^\\*].*$"));
    static const re2::RE2 dash(py_re("(?m)^\\s*-.*$"));
    return static_cast<long>(count_matches(star, value) + count_matches(dash, value)) == n;
  };
}

Check make_constrained_response(Kwargs&) {
  return [](const std::string& value) {
    static const char* options[] = {"My answer is yes.", "My answer is no.", "My answer is maybe."};
    std::string v = text::py_strip(value);
    for (const char* o : options)
      if (v.find(o) != std::string::npos) return true;
    return false;
  };
}

Check make_number_highlighted_sections(Kwargs& kw) {
  long n = kw.integer("num_highlights");
  return [n](const std::string& value) {
    // *single* and **double** highlights with non-blank content, each counted.
    static const re2::RE2 single("\\*[^\\n\\*]*\\*");
    static const re2::RE2 dbl("\\*\\*[^\\n\\*]*\\*\\*");
    long count = 0;
    for (const auto& h : find_all(single, value))
      if (!text::py_strip(strip_char(h, '*')).empty()) ++count;
    for (const auto& h : find_all(dbl, value))
      if (!text::py_strip(h.substr(2, h.size() - 4)).empty()) ++count;
    return count >= n;
  };
}

Check make_multiple_sections(Kwargs& kw) {
  std::string spliter = text::py_strip(kw.string("section_spliter"));
  long n = kw.integer("num_sections");
  // len(re.split(r"\s?" + spliter + r"\s?\d+\s?", value)) - 1 == number of matches.
  auto re = compile("\\s?" + spliter + "\\s?\\d+\\s?", false, "detectable_format:multiple_sections");
  return [re, n](const std::string& value) { return static_cast<long>(count_matches(*re, value)) >= n; };
}

Check make_json_format(Kwargs&) {
  return [](const std::string& value) {
    // value.strip().removeprefix("```json" | "```Json" | "```JSON" | "```").removesuffix("```").strip()
    std::string v = text::py_strip(value);
    for (const char* p : {"```json", "```Json", "```JSON", "```"})
      if (starts_with(v, p)) v = v.substr(std::string(p).size());
    if (ends_with(v, "```")) v.resize(v.size() - 3);
    v = text::py_strip(v);
    return nlohmann::json::accept(v) || nlohmann::json::accept(python_constants_as_zero(v));
  };
}

Check make_title(Kwargs&) {
  return [](const std::string& value) {
    static const re2::RE2 title("<<[^\\n]+>>");
    for (const auto& t : find_all(title, value)) {
      std::size_t a = t.find_first_not_of('<'), b = t.find_last_not_of('>');
      if (a != std::string::npos && b != std::string::npos && a <= b &&
          !text::py_strip(t.substr(a, b - a + 1)).empty())
        return true;
    }
    return false;
  };
}

}  // namespace remedi::tasks::ifeval::detail
