// Job and task identifiers, and their text forms: job "42", array task "42_7",
// task range "42_[1-5,9]". Job ids come from the journal and are never reused.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace baton {

using JobId = std::uint64_t;
using TaskIndex = std::uint32_t;
using Attempt = std::uint32_t;

struct TaskId {
  JobId job = 0;
  TaskIndex index = 0;
  auto operator<=>(const TaskId&) const = default;
};

// "42" for a plain job's task, "42_7" for an array task.
std::string format_task(JobId job, TaskIndex index, bool is_array);

// A command-line target: a whole job, one array task, or an index expression
// ("42_[1-5]"). `indices` holds the text inside the brackets, or the single index.
struct Target {
  JobId job = 0;
  std::optional<std::string> indices;
};

// Parses "42", "42_7", "42_[1-5,9]". Returns nullopt on anything else.
std::optional<Target> parse_target(std::string_view text);

}  // namespace baton
