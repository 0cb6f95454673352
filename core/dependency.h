// Job dependencies as sbatch writes them: "afterok:41:40,afterany:43",
// "afterok:41?afternotok:42", "singleton", "aftercorr:42". Terms joined by ','
// must all hold; terms joined by '?' need any one. The two may not be mixed.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/status.h"

namespace baton {

enum class DepType { After, AfterAny, AfterOk, AfterNotOk, AfterCorr, Singleton };

struct DepTerm {
  DepType type = DepType::AfterAny;
  std::vector<JobId> jobs;  // empty for singleton
};

struct Dependency {
  bool any = false;  // '?' joined
  std::vector<DepTerm> terms;

  bool empty() const { return terms.empty(); }
  bool has(DepType t) const;
  std::vector<JobId> jobs() const;   // every job referenced, once each
  std::string to_string() const;
};

Result<Dependency> parse_dependency(std::string_view text);
const char* dep_type_name(DepType t);

enum class DepState { Waiting, Satisfied, Never };

// What a dependency needs to know about a job it names.
struct DepView {
  bool started = false;    // some task has started (or the job ended)
  bool terminal = false;   // every task has ended
  bool all_ok = false;     // terminal, and every task COMPLETED
  bool any_bad = false;    // some task ended other than COMPLETED
};

// Job-level state of a dependency. aftercorr terms count as satisfied here:
// they gate tasks one by one (see the broker). `singleton_clear` says whether
// no other job of the same name and user is running or ahead in line.
DepState evaluate(const Dependency& dep, const std::function<DepView(JobId)>& view, bool singleton_clear);

}  // namespace baton
