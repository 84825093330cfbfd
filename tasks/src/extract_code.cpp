// Code extraction for HumanEval and MBPP.
//   - [BEGIN] ... [DONE]: the MBPP prompt format of Austin et al. 2021 as used by OpenCompass'
//     mbpp configs; OpenCompass' MBPPEvaluator._process_answer strips the quotes its exemplars put
//     around the code ("[BEGIN]\n 'def f(): ...'\n[DONE]").
//   - fenced blocks: the first ```python block, else the first untagged or other-tagged block; an
//     opening fence without a closing one (generation cut) runs to the end of the text.
//   - raw text otherwise.
// HumanEval's prompt-completion rule (whether the extracted code is a completion of the prompt or
// a whole program) is applied by the task's scorer, which knows the prompt and entry point.
#include <string>
#include <vector>

#include "remedi/common/strutil.h"
#include "remedi/tasks/extract.h"

namespace remedi::tasks {

namespace {

struct Block {
  std::string tag, body;
};

std::vector<Block> fenced_blocks(const std::string& s) {
  std::vector<Block> out;
  size_t p = 0;
  while ((p = s.find("```", p)) != std::string::npos) {
    size_t eol = s.find('\n', p + 3);
    if (eol == std::string::npos) break;
    Block b;
    b.tag = to_lower(trim(s.substr(p + 3, eol - p - 3)));
    size_t close = s.find("```", eol + 1);
    b.body = s.substr(eol + 1, close == std::string::npos ? std::string::npos : close - eol - 1);
    out.push_back(b);
    if (close == std::string::npos) break;
    p = close + 3;
  }
  return out;
}

std::string strip_quotes(std::string s) {
  std::string t = trim(s);
  if (t.size() >= 2 && (t.front() == '\'' || t.front() == '"') && t.back() == t.front())
    return t.substr(1, t.size() - 2);
  // A quoted answer cut before its closing quote: drop the opening one only (code itself may end
  // with a quote, so a trailing quote alone is never stripped).
  if (!t.empty() && (t.front() == '\'' || t.front() == '"')) t.erase(0, 1);
  return t;
}

std::string from_fences(const std::string& s, bool* found) {
  auto blocks = fenced_blocks(s);
  *found = !blocks.empty();
  if (blocks.empty()) return s;
  for (const auto& b : blocks)
    if (b.tag == "python" || b.tag == "py" || b.tag == "python3") return b.body;
  return blocks.front().body;
}

}  // namespace

std::string extract_code(const std::string& out) {
  size_t b = out.find("[BEGIN]");
  size_t d = out.find("[DONE]", b == std::string::npos ? 0 : b);
  if (b != std::string::npos || d != std::string::npos) {
    size_t start = b == std::string::npos ? 0 : b + 7;
    std::string inner = out.substr(start, d == std::string::npos ? std::string::npos : d - start);
    bool fenced = false;
    std::string code = from_fences(inner, &fenced);
    code = fenced ? code : strip_quotes(code);
    return trim(code).empty() ? std::string(kInvalid) : code;
  }
  bool fenced = false;
  std::string code = from_fences(out, &fenced);
  return trim(code).empty() ? std::string(kInvalid) : code;
}

}  // namespace remedi::tasks
