// MATH answer equivalence: normalise both sides (math_normalize.cpp), then compare as structures
// (matrices, sets, intervals and tuples, unions, comma lists) element by element, and elements as
// strings, as numbers, or as expressions evaluated at random points.
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "math_expr.h"
#include "remedi/common/strutil.h"
#include "remedi/tasks/math_equiv.h"

namespace remedi::tasks {

namespace {

// Splits at `sep` outside (), [], {} and \{ \}.
std::vector<std::string> split_top(const std::string& s, const std::string& sep) {
  std::vector<std::string> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) {
      depth += s[i + 1] == '{' ? 1 : -1;
      ++i;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (depth == 0 && s.compare(i, sep.size(), sep) == 0) {
      parts.push_back(s.substr(start, i - start));
      start = i + sep.size();
      i += sep.size() - 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

// True when the bracket opened at s[0] closes at the last character (not "(1)+(2)").
bool outer_pair(const std::string& s) {
  if (s.size() < 2) return false;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (depth == 0 && i + 1 < s.size()) return false;
  }
  return depth == 0;
}

bool numbers_close(double a, double b) {
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= 1e-6 * std::max(1.0, std::fabs(b));
}

// Scalar expressions: equal as strings, as numbers, or at random points.
MathEquivResult scalar_equiv(const std::string& a, const std::string& g) {
  if (a == g) return {true, "string"};
  auto ea = mathexpr::parse(a), eg = mathexpr::parse(g);
  if (!ea || !eg) return {false, "no"};
  std::set<std::string> vars;
  mathexpr::collect_vars(*ea, vars);
  mathexpr::collect_vars(*eg, vars);
  if (vars.empty()) {
    double x = mathexpr::eval(*ea, {}), y = mathexpr::eval(*eg, {});
    if (std::isnan(x) || std::isnan(y)) return {false, "no"};
    return {numbers_close(x, y), numbers_close(x, y) ? "numeric" : "no"};
  }
  // Fixed seed: the verdict must not change between runs. Points in [0.3, 2.7] keep sqrt and log
  // of plain variables real.
  std::mt19937_64 rng(20250923);
  std::uniform_real_distribution<double> U(0.3, 2.7);
  int agree = 0;
  for (int trial = 0; trial < 8; ++trial) {
    std::map<std::string, double> at;
    for (const auto& v : vars) at[v] = U(rng);
    double x = mathexpr::eval(*ea, at), y = mathexpr::eval(*eg, at);
    bool fx = std::isfinite(x), fy = std::isfinite(y);
    if (!fx && !fy) continue;
    if (fx != fy || !numbers_close(x, y)) return {false, "no"};
    ++agree;
  }
  return {agree >= 3, agree >= 3 ? "random-points" : "no"};
}

MathEquivResult equiv_norm(const std::string& a, const std::string& g, int depth);

MathEquivResult elementwise(const std::vector<std::string>& xa, const std::vector<std::string>& xg,
                            bool ordered, int depth) {
  if (xa.size() != xg.size()) return {false, "no"};
  // Unordered matching is quadratic: a pathological output listing thousands of items must not
  // stall scoring (MATH answers have a handful of elements).
  if (xa.size() > 64) return {false, "no"};
  if (ordered) {
    for (size_t i = 0; i < xa.size(); ++i)
      if (!equiv_norm(trim(xa[i]), trim(xg[i]), depth + 1).equal) return {false, "no"};
    return {true, "elementwise"};
  }
  std::vector<bool> used(xg.size(), false);
  for (const auto& x : xa) {
    bool found = false;
    for (size_t j = 0; j < xg.size() && !found; ++j)
      if (!used[j] && equiv_norm(trim(x), trim(xg[j]), depth + 1).equal) used[j] = found = true;
    if (!found) return {false, "no"};
  }
  return {true, "elementwise"};
}

// Rows of a matrix environment, or empty when s is not one.
std::vector<std::string> matrix_cells(const std::string& s, bool* is_matrix) {
  *is_matrix = false;
  size_t b = s.find("\\begin{");
  if (b != 0) return {};
  size_t e1 = s.find('}', b);
  std::string env = s.substr(7, e1 - 7);
  if (env.find("matrix") == std::string::npos) return {};
  std::string end = "\\end{" + env + "}";
  if (!ends_with(s, end)) return {};
  *is_matrix = true;
  std::string body = s.substr(e1 + 1, s.size() - end.size() - e1 - 1);
  std::vector<std::string> cells;
  size_t rows = 0;
  for (auto& row : split_top(body, "\\\\")) {
    if (trim(row).empty()) continue;
    ++rows;
    for (auto& c : split_top(row, "&")) cells.push_back(trim(c));
  }
  cells.push_back("rows=" + std::to_string(rows));  // shape must agree too
  return cells;
}

MathEquivResult equiv_norm(const std::string& a, const std::string& g, int depth) {
  if (a == g) return {true, "string"};
  if (depth > 8 || a.empty() || g.empty()) return {false, "no"};
  bool ma = false, mg = false;
  auto ca = matrix_cells(a, &ma), cg = matrix_cells(g, &mg);
  if (ma || mg) return ma && mg ? elementwise(ca, cg, true, depth) : MathEquivResult{false, "no"};
  // unions of intervals: ordered parts
  auto ua = split_top(a, "\\cup"), ug = split_top(g, "\\cup");
  if (ua.size() > 1 || ug.size() > 1) return elementwise(ua, ug, true, depth);
  // sets \{...\}: unordered
  bool sa = starts_with(a, "\\{") && ends_with(a, "\\}"), sg = starts_with(g, "\\{") && ends_with(g, "\\}");
  if (sa || sg) {
    std::string ia = sa ? a.substr(2, a.size() - 4) : a, ig = sg ? g.substr(2, g.size() - 4) : g;
    return elementwise(split_top(ia, ","), split_top(ig, ","), false, depth);
  }
  auto pa = split_top(a, ","), pg = split_top(g, ",");
  // intervals and tuples: bracket types must match, elements in order
  bool ta = pa.size() == 1 && outer_pair(a) && split_top(a.substr(1, a.size() - 2), ",").size() > 1;
  bool tg = pg.size() == 1 && outer_pair(g) && split_top(g.substr(1, g.size() - 2), ",").size() > 1;
  if (ta || tg) {
    if (!(ta && tg) || a.front() != g.front() || a.back() != g.back()) return {false, "no"};
    return elementwise(split_top(a.substr(1, a.size() - 2), ","), split_top(g.substr(1, g.size() - 2), ","), true, depth);
  }
  // bare comma lists ("1, -2" for the roots of an equation): unordered
  if (pa.size() > 1 || pg.size() > 1) return elementwise(pa, pg, false, depth);
  return scalar_equiv(a, g);
}

}  // namespace

MathEquivResult math_equiv(const std::string& answer, const std::string& gold) {
  if (answer == "[invalid]") return {false, "no"};
  std::string a = normalize_math_answer(answer), g = normalize_math_answer(gold);
  return equiv_norm(a, g, 0);
}

}  // namespace remedi::tasks
