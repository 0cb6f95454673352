#include <doctest/doctest.h>

#include "core/directives.h"

using namespace baton;

TEST_SUITE("core") {
  TEST_CASE("#BATON lines before the first command are directives; the #! line is skipped") {
    auto d = parse_directives(
        "#!/bin/bash\n"
        "#BATON -J render -a 0-9%2\n"
        "\n"
        "# a plain comment\n"
        "#BATON --env 'GREETING=hello world'   # trailing comment\n"
        "echo start\n"
        "#BATON -J too-late\n");
    REQUIRE(d);
    REQUIRE(d->size() == 2);
    CHECK((*d)[0].line == 2);
    CHECK((*d)[0].words == std::vector<std::string>{"-J", "render", "-a", "0-9%2"});
    CHECK((*d)[1].line == 5);
    CHECK((*d)[1].words == std::vector<std::string>{"--env", "GREETING=hello world"});
  }

  TEST_CASE("a script without directives has none") {
    auto d = parse_directives("echo hi\n#BATON -J x\n");
    REQUIRE(d);
    CHECK(d->empty());
  }

  TEST_CASE("words split like a shell: quotes, escapes, and an unterminated quote is an error naming the line") {
    auto w = split_words(R"(-o "out dir/%j.txt" --wrap 'a b' c\ d "q\"x")");
    REQUIRE(w);
    CHECK(*w == std::vector<std::string>{"-o", "out dir/%j.txt", "--wrap", "a b", "c d", "q\"x"});
    auto bad = parse_directives("#!/bin/sh\n#BATON -J 'oops\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == "line 2: unterminated ' quote");
  }

  TEST_CASE("#BATONX is not a directive") {
    auto d = parse_directives("#BATONX -J x\n#BATON\t-t 5\n");
    REQUIRE(d);
    REQUIRE(d->size() == 1);
    CHECK((*d)[0].words == std::vector<std::string>{"-t", "5"});
  }
}
