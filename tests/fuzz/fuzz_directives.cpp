// Fuzzes what `baton submit SCRIPT` does with a batch script's text: the
// #BATON directive parser (core/directives.h), then, for each directive line,
// the submit option parser (CLI11 with cmd/submit_options.h) and build_spec,
// exactly as cmd/submit_cmd.cpp checks each line. build_spec only reads the
// process (cwd, uid, environment, host name); it changes nothing.
// Input: the script.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cmd/submit_options.h"
#include "core/directives.h"

namespace {

using namespace baton;

void check_directive(const Directive& d) {
  cli::SubmitOptions probe;
  auto app = cli::submit_app(probe);
  std::vector<std::string> words = d.words;
  std::reverse(words.begin(), words.end());  // CLI11 takes them reversed
  try {
    app->parse(words);
  } catch (const CLI::ParseError&) {
    return;  // a usage error: submit reports it
  }
  if (!app->remaining().empty()) return;
  (void)cli::build_spec(probe, {"-"}, nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // build_spec copies the environment (--export=ALL); keep that small and fixed.
  clearenv();
  setenv("PATH", "/usr/bin:/bin", 1);
  setenv("HOME", "/nonexistent", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view script(reinterpret_cast<const char*>(data), size);
  (void)split_words(script);
  auto dirs = parse_directives(script);
  if (!dirs) return 0;
  int last = 0;
  for (const Directive& d : *dirs) {
    if (d.line <= last || d.words.empty()) std::abort();  // lines ascend; empty lines are dropped
    last = d.line;
    check_directive(d);
  }
  return 0;
}
