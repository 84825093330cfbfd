// A small parser and evaluator for LaTeX-ish math answers (private to the tasks module).
// Grammar (precedence low → high):
//   expr    := term (('+' | '-') term)*
//   term    := unary (('*' | '/' | implicit) unary)*         "2\pi r", "3(x+1)", "2\sqrt{3}"
//   unary   := ('-' | '+') unary | power
//   power   := postfix ('^' unary)?                           right-associative: 2^3^2 = 2^9
//   postfix := primary '!'*
//   primary := number | variable | \pi | \infty | ( expr ) | { expr } | [ expr ]
//            | \frac{a}{b} | \sqrt{a} | \sqrt[n]{a} | \sin \cos \tan \ln \log \exp (arg) | \log_{b}
// Single letters are variables (implicit multiplication splits "xy" into x*y); Greek commands
// other than \pi are variables. 'e' and 'i' are variables too: answers are compared on both sides
// with the same rules, so treating them as unknowns keeps symbolic forms comparable.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>

namespace remedi::tasks::mathexpr {

struct Node;
using NodePtr = std::shared_ptr<const Node>;

struct Node {
  enum Op { Num, Var, Add, Sub, Mul, Div, Pow, Neg, Fact, Func } op = Num;
  double value = 0;        // Num
  std::string name;        // Var name or Func name ("sqrt", "sin", "ln", "root" with b = index ...)
  NodePtr a, b;            // operands
};

// Parses `s`; returns nullptr when it is not an expression this grammar knows (the caller then
// falls back to string comparison). Never throws.
NodePtr parse(const std::string& s);
double eval(const Node& n, const std::map<std::string, double>& vars);  // NaN on domain errors
void collect_vars(const Node& n, std::set<std::string>& out);

}  // namespace remedi::tasks::mathexpr
