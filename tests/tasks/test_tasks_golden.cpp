// Golden extraction and equivalence cases (tests/fixtures/tasks/golden_extraction.jsonl): each line
// names a filter or scorer, an input, and the expected extraction and/or verdict.
#include <catch2/catch.hpp>

#include "remedi/common/fsutil.h"
#include "remedi/tasks/data_io.h"
#include "remedi/tasks/extract.h"
#include "remedi/tasks/math_equiv.h"

using namespace remedi::tasks;

namespace {

std::string run_extractor(const std::string& kind, const std::string& in) {
  if (kind == "gsm8k_strict") return extract_gsm8k_strict(in);
  if (kind == "gsm8k_flexible") return extract_gsm8k_flexible(in);
  if (kind == "boxed") return extract_last_boxed(in);
  if (kind == "math_answer") return extract_math_answer(in);
  if (kind == "choice") return extract_choice_letter(in, "ABCD");
  if (kind == "choice5") return extract_choice_letter(in, "ABCDE");
  if (kind == "code") return extract_code(in);
  FAIL("unknown extractor kind " << kind);
  return "";
}

}  // namespace

TEST_CASE("golden extraction and equivalence cases", "[tasks][golden]") {
  const std::string path = std::string(REMEDI_FIXTURES_DIR) + "/tasks/golden_extraction.jsonl";
  auto lines = read_jsonl(path);
  REQUIRE(lines.size() >= 150);
  int checked = 0;
  for (const auto& l : lines) {
    const auto& j = l.value;
    const std::string kind = j.at("kind").get<std::string>();
    const std::string in = j.at("input").get<std::string>();
    INFO("line " << l.line << " kind=" << kind << " input=" << in);
    if (kind == "numbers_equal") {
      CHECK(numbers_equal(in, j.at("gold").get<std::string>()) == j.at("correct").get<bool>());
    } else if (kind == "math_equiv") {
      const std::string gold = j.at("gold").get<std::string>();
      INFO("gold=" << gold << " normalised: " << normalize_math_answer(in) << " vs " << normalize_math_answer(gold));
      CHECK(math_equiv(in, gold).equal == j.at("correct").get<bool>());
    } else {
      CHECK(run_extractor(kind, in) == j.at("extracted").get<std::string>());
    }
    ++checked;
  }
  CHECK(checked == static_cast<int>(lines.size()));
}
