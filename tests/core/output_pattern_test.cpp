// Output file patterns (-o/-e): %j %A %a %x %u %N %% and zero padding.
#include <doctest/doctest.h>

#include "core/output_pattern.h"

using namespace baton;

namespace {

const PatternValues kPlain{42, 0, false, "train", "alice", "node7"};
const PatternValues kArray{42, 7, true, "train", "alice", "node7"};

}  // namespace

TEST_SUITE("core.output_pattern") {

TEST_CASE("each placeholder expands to its value") {
  CHECK(expand_pattern("%j", kPlain) == "42");
  CHECK(expand_pattern("%j", kArray) == "42_7");
  CHECK(expand_pattern("%A", kArray) == "42");
  CHECK(expand_pattern("%a", kArray) == "7");
  CHECK(expand_pattern("%x", kArray) == "train");
  CHECK(expand_pattern("%u", kArray) == "alice");
  CHECK(expand_pattern("%N", kArray) == "node7");
  CHECK(expand_pattern("%%", kArray) == "%");
  CHECK(expand_pattern("logs/%x-%A_%a.%N.out", kArray) == "logs/train-42_7.node7.out");
  CHECK(expand_pattern("100%%-%j.log", kPlain) == "100%-42.log");
}

TEST_CASE("a width between % and the letter zero-pads numbers") {
  CHECK(expand_pattern("%4a", kArray) == "0007");
  CHECK(expand_pattern("%6A", kArray) == "000042");
  CHECK(expand_pattern("%3j", kArray) == "042_007");
  CHECK(expand_pattern("%1a", kArray) == "7");
  CHECK(expand_pattern("%4a", PatternValues{1, 12345, true, "", "", ""}) == "12345");  // never truncated
}

TEST_CASE("unknown placeholders and a trailing % are kept as written") {
  CHECK(expand_pattern("%q", kPlain) == "%q");
  CHECK(expand_pattern("a%", kPlain) == "a%");
  CHECK(expand_pattern("a%4", kPlain) == "a%4");
  CHECK(expand_pattern("%4q", kPlain) == "%4q");
  CHECK(expand_pattern("plain.txt", kPlain) == "plain.txt");
  CHECK(expand_pattern("", kPlain) == "");
}

TEST_CASE("the default output file names the job, or the array job and index") {
  CHECK(expand_pattern(default_output_pattern(false), kPlain) == "baton-42.out");
  CHECK(expand_pattern(default_output_pattern(true), kArray) == "baton-42_7.out");
}

}  // TEST_SUITE
