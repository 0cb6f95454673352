// sbatch-style output file patterns: %j (task id: 42 or 42_7), %A (array job
// id), %a (array index), %x (job name), %u (user), %N (worker host), %% (%);
// and sbatch's %J (as %j), %s ("batch"), %t and %n (0: one task, one node).
// A width between % and the letter zero-pads numbers: %4a -> 0007.
// Also where a task's output files are, the one answer shared by the worker
// (which opens them), the broker (which asks the worker to read them for
// `logs`) and the client (`submit --wait --quiet-unless-failed`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "baton.pb.h"

namespace baton {

struct PatternValues {
  std::uint64_t job = 0;
  std::uint32_t index = 0;
  bool is_array = false;
  std::string name;
  std::string user;
  std::string host;
};

std::string expand_pattern(std::string_view pattern, const PatternValues& v);

// The default stdout file when -o is not given.
std::string default_output_pattern(bool is_array);

// Where a task runs and writes, from its job's spec. The paths are expanded
// as written: relative ones are relative to cwd (the worker opens them there).
struct TaskFiles {
  std::string cwd;          // -D, else the submit directory, else /
  std::string stdout_path;  // -o, else the default pattern
  std::string stderr_path;  // -e; empty: stderr goes to the stdout file (as with sbatch)

  // `path` (one of the above) as an absolute path on the worker's host.
  std::string absolute(const std::string& path) const;
};

// `v.host` is the worker's host (%N); is_array and index come from `v`.
TaskFiles task_files(const pb::JobSpec& spec, const PatternValues& v);

}  // namespace baton
