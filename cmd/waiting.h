// Waiting for jobs, shared by `wait` and `submit --wait`: the exit status is
// the job's, per DESIGN.md section 5.
#pragma once

#include <string>
#include <vector>

#include "cmd/context.h"

namespace baton::cli {

struct WaitOptions {
  bool any = false;
  TimeMs timeout_ms = 0;           // 0: wait for as long as it takes
  bool verbose = false;
  bool progress = false;           // a one-line bar on stderr, when it is a terminal
  // --quiet-unless-failed: the submitted spec, to find the output files of
  // tasks that did not complete and print them.
  const pb::JobSpec* print_failed = nullptr;
};

int wait_jobs(const Context& ctx, const std::vector<std::string>& targets, const WaitOptions& o);

}  // namespace baton::cli
