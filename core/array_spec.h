// Job array index sets as users write them (sbatch -a): "0-99", "1,3,5-9",
// "0-99:4", each optionally followed by "%N" (at most N tasks running at once).
//
// Internally an array is a sorted list of disjoint arithmetic runs. Tasks are
// numbered by *ordinal* (0 .. count-1, in index order); pending tasks are an
// IntervalSet of ordinals, so any array shape, strided or not, stays a few
// intervals until its tasks start.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/interval_set.h"
#include "core/status.h"

namespace baton {

class ArraySpec {
 public:
  struct Run {
    TaskIndex lo = 0;
    TaskIndex step = 1;
    std::uint64_t count = 1;
    TaskIndex hi() const { return static_cast<TaskIndex>(lo + step * (count - 1)); }
  };

  ArraySpec() = default;  // the one-task "array" of a plain job: index 0

  // Parses an index expression with an optional "%N" throttle. `max_size` caps
  // the number of tasks (the error names the cap).
  struct Parsed;
  static Result<Parsed> parse(std::string_view text, std::uint64_t max_size);

  std::uint64_t count() const { return total_; }
  TaskIndex min() const { return runs().empty() ? 0 : runs().front().lo; }
  TaskIndex max() const { return runs().empty() ? 0 : runs().back().hi(); }
  const std::vector<Run>& runs() const { return plain() ? kOneRun : runs_; }

  TaskIndex index_at(std::uint64_t ordinal) const;
  std::optional<std::uint64_t> ordinal_of(TaskIndex index) const;

  // The ordinals whose indices fall in `expr` ("1-5", "7", "0-20:2").
  // Indices the array does not have are ignored.
  Result<IntervalSet> ordinals_in(std::string_view expr) const;

  // Normalized expression, e.g. "0-99:4,200". Round-trips through parse().
  std::string to_string() const;
  // Indices of the given ordinals, compressed: "5-999", "1,3,5-9".
  std::string format_ordinals(const IntervalSet& ordinals, std::size_t max_terms = 64) const;

 private:
  explicit ArraySpec(std::vector<Run> runs);
  // A plain job's one-task array allocates nothing (memory per pending job,
  // see job.h): empty vectors with a total of 1 stand for kOneRun.
  bool plain() const { return runs_.empty() && total_ == 1; }
  const std::vector<std::uint64_t>& starts() const { return plain() ? kOneStart : starts_; }
  static const std::vector<Run> kOneRun;
  static const std::vector<std::uint64_t> kOneStart;

  std::vector<Run> runs_;
  std::vector<std::uint64_t> starts_;  // ordinal of each run's first task
  std::uint64_t total_ = 1;
};

struct ArraySpec::Parsed {
  ArraySpec spec;
  std::uint32_t throttle = 0;
};

}  // namespace baton
