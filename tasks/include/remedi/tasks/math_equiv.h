// MATH answer equivalence, native (no Python): a normaliser in the spirit of Hendrycks et al.'s
// MATH `is_equiv` / Minerva's `normalize_final_answer` (lm-evaluation-harness minerva_math utils),
// plus expression equivalence by evaluation: both sides are parsed as LaTeX-ish expressions
// (+ - * / ^, \frac, \sqrt, \pi, implicit multiplication, a few functions) and compared as numbers;
// with free variables, both are evaluated at random points. Tuples, intervals (bracket types must
// match), sets (order-free) and matrices are compared element-wise.
#pragma once
#include <string>

namespace remedi::tasks {

// Text-level normal form: drops \left/\right, \text{...} units, $, spaces, "x =" prefixes, degree
// signs, \%; rewrites \dfrac/\tfrac, \frac12, \sqrt2, trailing zeros "18.00" → "18".
std::string normalize_math_answer(const std::string& s);

struct MathEquivResult {
  bool equal = false;
  std::string how;  // "string", "numeric", "random-points", "elementwise", "no"
};
MathEquivResult math_equiv(const std::string& answer, const std::string& gold);
inline bool math_equal(const std::string& a, const std::string& g) { return math_equiv(a, g).equal; }

}  // namespace remedi::tasks
