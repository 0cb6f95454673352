// sbatch's option table (Slurm's meanings: -p partition, -q QOS, -n ntasks,
// -N nodes, -C constraint, ...) translated into `baton submit` option words.
// Shared by the `sbatch` personality (command line and #SBATCH lines) and by
// `baton submit`, which reads #SBATCH lines under its #BATON ones.
// Options that would change a job's results if ignored (several nodes or
// tasks, heterogeneous jobs, ...) are refused with a message naming them.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace baton {

struct SbatchRequest {
  std::vector<std::string> submit_words;  // "--cpus=4", "--mem=8192M", ... in `baton submit`'s syntax
  std::vector<std::string> partitions;    // -p a,b: the baton queues to try, in order (empty: default)
  std::vector<std::string> warnings;      // one line each (e.g. no mail is sent)
  std::vector<std::string> operands;      // the script and its arguments
  bool parsable = false, wait = false, help = false, version = false, has_wrap = false, has_output = false,
       has_array = false;
};

// Reads sbatch words (directive words first, then the command line: later
// values win). With `slurm_defaults`, no -o means slurm-%j.out (slurm-%A_%a.out
// for arrays), as sbatch does.
Result<SbatchRequest> translate_sbatch(const std::vector<std::string>& words, bool slurm_defaults);

// sbatch's input variables (SBATCH_JOB_NAME, SBATCH_PARTITION,
// SBATCH_TIMELIMIT, ...) as option words; `lookup` is getenv or a fake.
// They go between the directives and the command line: the command line
// wins over the environment, which wins over #SBATCH lines.
std::vector<std::string> sbatch_env_words(const std::function<const char*(const char*)>& lookup);

// The #SBATCH words of a script, in order: the directive lines before the
// first command (blank lines and other comments may come between them).
// A `#SBATCH hetjob` separator is refused, as are unterminated quotes.
Result<std::vector<std::string>> sbatch_directive_words(std::string_view script);

}  // namespace baton
