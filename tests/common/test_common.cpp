#include <catch2/catch.hpp>

#include "remedi/common/args.h"
#include "remedi/common/error.h"
#include "remedi/common/sha256.h"
#include "remedi/common/strutil.h"

using namespace remedi;

TEST_CASE("sha256 matches FIPS 180-4 test vectors", "[common]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  CHECK(sha256_hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("Args parses flags, values, lists and positionals", "[common]") {
  Args a({"run", "--model", "dir", "--steps=16", "--json", "pos1", "--tasks", "a, b,,c", "pos2"});
  CHECK(a.get("--model") == "dir");
  CHECK(a.get_int("--steps", 32) == 16);
  CHECK(a.get_int("--block", 32) == 32);
  CHECK(a.flag("--json"));
  CHECK(a.get_list("--tasks") == std::vector<std::string>{"a", "b", "c"});
  CHECK(a.positional() == std::vector<std::string>{"pos1", "pos2"});
  CHECK_NOTHROW(a.finish());
}

TEST_CASE("Args rejects unknown flags, missing values and bad numbers", "[common]") {
  Args a({"run", "--modle", "x"});
  CHECK_THROWS_AS(a.get("--model"), Error);
  Args b({"run", "--steps", "ten"});
  CHECK_THROWS_AS(b.get_int("--steps", 1), Error);
  Args c({"run", "--typo"});
  CHECK_THROWS_AS(c.finish(), Error);
  Args d({"run", "--model"});
  CHECK_THROWS_AS(d.get("--model"), Error);
}

TEST_CASE("string helpers", "[common]") {
  CHECK(split("a,b,,c", ',') == std::vector<std::string>{"a", "b", "", "c"});
  CHECK(trim("  x y \n") == "x y");
  CHECK(replace_all("aXbXc", "X", "--") == "a--b--c");
  CHECK(to_lower("AbC") == "abc");
  CHECK(starts_with("prefix", "pre"));
  CHECK(ends_with("suffix", "fix"));
}
