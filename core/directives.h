// #BATON directive lines in batch scripts, as sbatch reads #SBATCH lines:
// option lines before the first command line. Blank lines and other comments
// may come between them; the #! line is skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace baton {

struct Directive {
  int line = 0;                     // 1-based, for error messages
  std::vector<std::string> words;   // shell-like split: quotes and backslashes
};

// `prefix` is "#BATON" or "#SBATCH": the lines read are those starting with it
// followed by a blank (or nothing).
Result<std::vector<Directive>> parse_directives(std::string_view script, std::string_view prefix = "#BATON");

// Splits a line like a POSIX shell would split words (no expansion).
Result<std::vector<std::string>> split_words(std::string_view text);

}  // namespace baton
