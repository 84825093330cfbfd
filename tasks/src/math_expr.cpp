// Recursive-descent parser and evaluator for LaTeX-ish math (see math_expr.h for the grammar).
#include "math_expr.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

namespace remedi::tasks::mathexpr {

namespace {

struct Tok {
  enum Kind { Num, Ident, Cmd, Sym, End } kind = End;
  std::string text;  // Ident: one letter; Cmd: name without backslash; Sym: one char
  double value = 0;
};

// Splits the input into tokens; false on a character the grammar does not know.
bool tokenize(const std::string& s, std::vector<Tok>& out) {
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = i;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      // scientific notation "1.5e-3" only when 'e' is followed by a digit or a sign and a digit
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) {
          j = k;
          while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        }
      }
      std::string num = s.substr(i, j - i);
      if (std::count(num.begin(), num.end(), '.') > 1) return false;
      out.push_back({Tok::Num, num, std::strtod(num.c_str(), nullptr)});
      i = j;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      out.push_back({Tok::Ident, std::string(1, c), 0});
      ++i;
      continue;
    }
    if (c == '\\') {
      size_t j = i + 1;
      while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
      if (j == i + 1) {  // "\{", "\}", "\,", "\!": braces group, spacing is ignored
        if (j < s.size() && (s[j] == '{' || s[j] == '}')) out.push_back({Tok::Sym, std::string(1, s[j] == '{' ? '(' : ')'), 0});
        else if (j < s.size() && (s[j] == ',' || s[j] == '!' || s[j] == ';' || s[j] == ':' || s[j] == ' ')) {}
        else return false;
        i = j + 1;
        continue;
      }
      out.push_back({Tok::Cmd, s.substr(i + 1, j - i - 1), 0});
      i = j;
      continue;
    }
    if (std::string("+-*/^(){}[]!_").find(c) != std::string::npos) {
      out.push_back({Tok::Sym, std::string(1, c), 0});
      ++i;
      continue;
    }
    return false;
  }
  out.push_back({Tok::End, "", 0});
  return true;
}

NodePtr mk(Node::Op op, NodePtr a = nullptr, NodePtr b = nullptr, double v = 0, std::string name = {}) {
  auto n = std::make_shared<Node>();
  n->op = op;
  n->a = std::move(a);
  n->b = std::move(b);
  n->value = v;
  n->name = std::move(name);
  return n;
}

const std::set<std::string>& functions() {
  static const std::set<std::string> f = {"sin", "cos", "tan", "sec", "csc", "cot", "ln", "log", "exp",
                                          "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh"};
  return f;
}
// Commands that read as named variables (Greek letters), compared as unknowns.
bool is_greek(const std::string& c) {
  static const std::set<std::string> g = {"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta",
                                          "eta", "theta", "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi",
                                          "rho", "sigma", "tau", "phi", "varphi", "chi", "psi", "omega"};
  return g.count(c) > 0;
}

class Parser {
 public:
  explicit Parser(std::vector<Tok> t) : t_(std::move(t)) {}
  NodePtr parse_all() {
    NodePtr e = expr();
    if (!e || peek().kind != Tok::End) return nullptr;
    return e;
  }

 private:
  std::vector<Tok> t_;
  size_t p_ = 0;
  int depth_ = 0;

  const Tok& peek() const { return t_[p_]; }
  bool sym(const char* s) const { return peek().kind == Tok::Sym && peek().text == s; }
  bool cmd(const char* s) const { return peek().kind == Tok::Cmd && peek().text == s; }

  NodePtr expr() {
    if (++depth_ > 200) return nullptr;  // pathological nesting
    NodePtr l = term();
    while (l && (sym("+") || sym("-"))) {
      bool add = sym("+");
      ++p_;
      NodePtr r = term();
      if (!r) return nullptr;
      l = mk(add ? Node::Add : Node::Sub, l, r);
    }
    --depth_;
    return l;
  }
  bool starts_primary() const {
    const Tok& k = peek();
    if (k.kind == Tok::Num || k.kind == Tok::Ident) return true;
    if (k.kind == Tok::Sym) return k.text == "(" || k.text == "{" || k.text == "[";
    if (k.kind == Tok::Cmd) return k.text != "cdot" && k.text != "times" && k.text != "div";
    return false;
  }
  NodePtr term() {
    NodePtr l = unary();
    while (l) {
      if (sym("*") || cmd("cdot") || cmd("times")) {
        ++p_;
        NodePtr r = unary();
        if (!r) return nullptr;
        l = mk(Node::Mul, l, r);
      } else if (sym("/") || cmd("div")) {
        ++p_;
        NodePtr r = unary();
        if (!r) return nullptr;
        l = mk(Node::Div, l, r);
      } else if (starts_primary()) {  // implicit multiplication
        NodePtr r = power();
        if (!r) return nullptr;
        l = mk(Node::Mul, l, r);
      } else {
        break;
      }
    }
    return l;
  }
  NodePtr unary() {
    if (sym("-")) { ++p_; NodePtr a = unary(); return a ? mk(Node::Neg, a) : nullptr; }
    if (sym("+")) { ++p_; return unary(); }
    return power();
  }
  NodePtr power() {
    NodePtr base = postfix();
    if (base && sym("^")) {
      ++p_;
      NodePtr e = unary();
      if (!e) return nullptr;
      return mk(Node::Pow, base, e);
    }
    return base;
  }
  NodePtr postfix() {
    NodePtr a = primary();
    while (a && sym("!")) { ++p_; a = mk(Node::Fact, a); }
    return a;
  }
  // A braced group "{...}", or a single token argument as in "\frac12" / "\sqrt2".
  NodePtr group_or_atom() {
    if (sym("{")) {
      ++p_;
      NodePtr e = expr();
      if (!e || !sym("}")) return nullptr;
      ++p_;
      return e;
    }
    if (peek().kind == Tok::Num) {  // only the first digit belongs to "\frac12"-style shorthand
      const std::string& d = peek().text;
      if (d.size() > 1 && d.find('.') == std::string::npos) {
        double first = d[0] - '0';
        t_[p_].text = d.substr(1);
        t_[p_].value = std::strtod(t_[p_].text.c_str(), nullptr);
        return mk(Node::Num, nullptr, nullptr, first);
      }
    }
    return primary();
  }
  NodePtr primary() {
    const Tok k = peek();
    if (k.kind == Tok::Num) { ++p_; return mk(Node::Num, nullptr, nullptr, k.value); }
    if (k.kind == Tok::Ident) { ++p_; return mk(Node::Var, nullptr, nullptr, 0, k.text); }
    if (k.kind == Tok::Sym && (k.text == "(" || k.text == "{" || k.text == "[")) {
      const char* close = k.text == "(" ? ")" : k.text == "{" ? "}" : "]";
      ++p_;
      NodePtr e = expr();
      if (!e || !sym(close)) return nullptr;
      ++p_;
      return e;
    }
    if (k.kind != Tok::Cmd) return nullptr;
    ++p_;
    const std::string& c = k.text;
    if (c == "pi") return mk(Node::Num, nullptr, nullptr, M_PI);
    if (c == "infty" || c == "infin") return mk(Node::Num, nullptr, nullptr, INFINITY);
    if (is_greek(c)) return mk(Node::Var, nullptr, nullptr, 0, "\\" + c);
    if (c == "frac" || c == "dfrac" || c == "tfrac" || c == "cfrac") {
      NodePtr n = group_or_atom();
      NodePtr d = n ? group_or_atom() : nullptr;
      return d ? mk(Node::Div, n, d) : nullptr;
    }
    if (c == "sqrt") {
      NodePtr index;
      if (sym("[")) {
        ++p_;
        index = expr();
        if (!index || !sym("]")) return nullptr;
        ++p_;
      }
      NodePtr a = group_or_atom();
      if (!a) return nullptr;
      return index ? mk(Node::Func, a, index, 0, "root") : mk(Node::Func, a, nullptr, 0, "sqrt");
    }
    if (functions().count(c)) {
      NodePtr base;
      if (c == "log" && sym("_")) {
        ++p_;
        base = group_or_atom();
        if (!base) return nullptr;
      }
      NodePtr a = power();  // "\sin x", "\sin(x)", "\ln 2^3" reads as ln(2^3)
      if (!a) return nullptr;
      return base ? mk(Node::Func, a, base, 0, "logb") : mk(Node::Func, a, nullptr, 0, c);
    }
    return nullptr;  // an unknown command: not an expression we can evaluate
  }
};

}  // namespace

NodePtr parse(const std::string& s) {
  std::vector<Tok> toks;
  if (!tokenize(s, toks)) return nullptr;
  if (toks.size() == 1) return nullptr;  // empty
  return Parser(std::move(toks)).parse_all();
}

double eval(const Node& n, const std::map<std::string, double>& vars) {
  switch (n.op) {
    case Node::Num: return n.value;
    case Node::Var: {
      auto it = vars.find(n.name);
      return it == vars.end() ? NAN : it->second;
    }
    case Node::Add: return eval(*n.a, vars) + eval(*n.b, vars);
    case Node::Sub: return eval(*n.a, vars) - eval(*n.b, vars);
    case Node::Mul: return eval(*n.a, vars) * eval(*n.b, vars);
    case Node::Div: return eval(*n.a, vars) / eval(*n.b, vars);
    case Node::Pow: return std::pow(eval(*n.a, vars), eval(*n.b, vars));
    case Node::Neg: return -eval(*n.a, vars);
    case Node::Fact: {
      double x = eval(*n.a, vars);
      return (x < 0 || x > 170) ? NAN : std::tgamma(x + 1);
    }
    case Node::Func: {
      double x = eval(*n.a, vars);
      const std::string& f = n.name;
      if (f == "sqrt") return std::sqrt(x);
      if (f == "root") {
        double k = eval(*n.b, vars);
        // odd roots of negatives are real: \sqrt[3]{-8} = -2
        if (x < 0 && std::fmod(k, 2.0) == 1.0) return -std::pow(-x, 1.0 / k);
        return std::pow(x, 1.0 / k);
      }
      if (f == "logb") return std::log(x) / std::log(eval(*n.b, vars));
      if (f == "sin") return std::sin(x);
      if (f == "cos") return std::cos(x);
      if (f == "tan") return std::tan(x);
      if (f == "sec") return 1 / std::cos(x);
      if (f == "csc") return 1 / std::sin(x);
      if (f == "cot") return 1 / std::tan(x);
      if (f == "ln") return std::log(x);
      if (f == "log") return std::log10(x);  // school convention in MATH: log = log base 10
      if (f == "exp") return std::exp(x);
      if (f == "arcsin") return std::asin(x);
      if (f == "arccos") return std::acos(x);
      if (f == "arctan") return std::atan(x);
      if (f == "sinh") return std::sinh(x);
      if (f == "cosh") return std::cosh(x);
      if (f == "tanh") return std::tanh(x);
      return NAN;
    }
  }
  return NAN;
}

void collect_vars(const Node& n, std::set<std::string>& out) {
  if (n.op == Node::Var) out.insert(n.name);
  if (n.a) collect_vars(*n.a, out);
  if (n.b) collect_vars(*n.b, out);
}

}  // namespace remedi::tasks::mathexpr
