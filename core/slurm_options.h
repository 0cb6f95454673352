// A getopt_long-style reader for the Slurm front-ends (sbatch, srun, squeue,
// sacct, scancel, ...): "-n1", "-n 1", "--ntasks=1", "--ntasks 1", bundled
// short flags "-Hv", unique prefixes of long names ("--part" = "--partition"),
// and "--" to end the options. Each command lists its options in a table.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace baton {

enum class SlurmArg { kNone, kRequired, kOptional };

struct SlurmOption {
  char short_name;        // 0: long only
  const char* long_name;  // canonical, without "--"; nullptr: short only
  SlurmArg arg;
  int id;                 // what the command does with it
};

struct SlurmWord {
  int id = 0;
  std::string name;                  // as written, for messages: "--mem" or "-n"
  std::string long_name;             // the table's long name ("ntasks" for -n), or empty
  std::optional<std::string> value;  // absent for flags
};

struct SlurmParse {
  std::vector<SlurmWord> options;    // in order given
  std::vector<std::string> operands; // non-options (all of them with `permute`)
  std::size_t end = 0;               // index of the first word not consumed as an option
};

// Reads `words`. With permute = false (sbatch, srun) the options end at the
// first operand, which with everything after it goes to `operands`; with
// permute = true (squeue, scancel, sacct) options and operands may mix.
// Errors read like Slurm's: "unrecognized option '--foo'".
Result<SlurmParse> parse_slurm_options(const std::vector<std::string>& words, const std::vector<SlurmOption>& table,
                                       bool permute);

// "a,b,,c" -> {"a","b","c"}.
std::vector<std::string> split_list(std::string_view text, char sep = ',');

// Case-insensitive ASCII comparison and lower-casing.
std::string ascii_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

}  // namespace baton
