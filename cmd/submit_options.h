// The options of `baton submit`, shared by the command line, #BATON directive
// lines and BATON_SUBMIT_* environment variables (sbatch's conventions).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "baton.pb.h"
#include "core/status.h"

namespace CLI {
class App;
}

namespace baton::cli {

struct SubmitOptions {
  std::string name, array, dependency, time, mem, output, error, open_mode, chdir, export_vars, begin, wrap,
      signal, kill_on_invalid_dep, retry_delay, queue, each_line;
  std::int64_t priority = 0, nice = 0, cpus = 0, gpus = 0, retries = 0;
  std::vector<std::string> resources, constraints, envs;
  bool hold = false, wait = false, progress = false, parsable = false, singleton = false, quiet_unless_failed = false;
};

// Adds every submit option to `app`, bound to `o`. Single-valued options take
// the last value given, which is how later sources override earlier ones.
void define_submit_options(CLI::App& app, SubmitOptions& o);

// A parser of exactly the submit options (for directive lines, the
// environment and the command line after `submit`); global options typed
// after "submit" are accepted and ignored, the main parser applied them.
std::unique_ptr<CLI::App> submit_app(SubmitOptions& o);

// Option words from BATON_SUBMIT_<LONG_NAME> variables, e.g.
// BATON_SUBMIT_TIME=30 -> "--time=30", BATON_SUBMIT_HOLD=1 -> "--hold".
std::vector<std::string> env_option_words(CLI::App& app);

// How a submit-like command line splits, once a first parse by `app` has
// left the rest in app.remaining(): the option words (`options`), then the
// command or script and its arguments (`command`). `after_dashes`: the
// command came after `--` (argv mode), else its first word is a script.
struct CommandSplit {
  std::vector<std::string> options;
  std::vector<std::string> command;
  bool after_dashes = false;
};
CommandSplit split_command(const CLI::App& app, const std::vector<std::string>& words);

// The JobSpec for these options. `command` is the argv after `--`, or the
// script path and its arguments when `script` is set.
Result<pb::JobSpec> build_spec(const SubmitOptions& o, const std::vector<std::string>& command,
                               const std::string* script);

// --each-line FILE (or - for standard input): reads the lines into
// spec.entries and makes the job an array of its non-blank lines; with -a,
// those indices (lines counted from 0) run instead, and "-a %N" only
// throttles. Errors name the file and the line.
Status add_entries(const SubmitOptions& o, pb::JobSpec& spec);

}  // namespace baton::cli
