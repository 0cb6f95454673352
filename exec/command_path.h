// Finding a task's program the way execvp would, but with the task's own PATH
// (from its environment, not the worker's) and relative to the task's
// working directory. Runs in the parent before the fork (for a run-as task it
// only lists the candidates, which the child tries as the task's user).
// May not touch: the worker's own environment or working directory.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace baton {

// Used when the task's environment has no PATH.
inline constexpr std::string_view kDefaultTaskPath = "/usr/local/bin:/usr/bin:/bin";

// The value of PATH in a KEY=VALUE list, or kDefaultTaskPath.
std::string_view task_path(const std::vector<std::string>& env);

// A name with a slash is returned as is (execve reports its errors). Otherwise
// the first regular, executable `dir/name` along `path` (an empty element is
// the working directory); relative results are relative to `cwd_fd`. The error
// is "cannot run 'name': No such file or directory" (or Permission denied when
// a match existed but was not executable).
Result<std::string> find_command(const std::string& name, std::string_view path, int cwd_fd);

// The places find_command() would look for `name` (no slash in it), in order:
// `dir/name` for each element of `path`, `name` for an empty one. For a
// run-as task the child searches them itself, with the task user's rights.
std::vector<std::string> command_candidates(const std::string& name, std::string_view path);

}  // namespace baton
