#include "core/job.h"

namespace baton {

const char* state_name(TaskState s) {
  switch (s) {
    case pb::PENDING: return "PENDING";
    case pb::RUNNING: return "RUNNING";
    case pb::COMPLETED: return "COMPLETED";
    case pb::FAILED: return "FAILED";
    case pb::CANCELLED: return "CANCELLED";
    case pb::TIMEOUT: return "TIMEOUT";
    case pb::OUT_OF_MEMORY: return "OUT_OF_MEMORY";
    default: return "UNKNOWN";
  }
}

bool is_terminal(TaskState s) {
  return s == pb::COMPLETED || s == pb::FAILED || s == pb::CANCELLED || s == pb::TIMEOUT || s == pb::OUT_OF_MEMORY;
}

const char* reason_name(Reason r) {
  switch (r) {
    case Reason::None: return "None";
    case Reason::Priority: return "Priority";
    case Reason::Resources: return "Resources";
    case Reason::Dependency: return "Dependency";
    case Reason::DependencyNeverSatisfied: return "DependencyNeverSatisfied";
    case Reason::BeginTime: return "BeginTime";
    case Reason::Held: return "Held";
    case Reason::Throttle: return "Throttle";
    case Reason::UserLimit: return "UserLimit";
    case Reason::QueueLimit: return "QueueLimit";
    case Reason::WorkerLost: return "WorkerLost";
    case Reason::Cancelled: return "Cancelled";
  }
  return "None";
}

int wait_code(const TaskRecord& t) {
  switch (t.state) {
    case pb::COMPLETED: return 0;
    case pb::TIMEOUT: return 124;
    case pb::CANCELLED: return 125;
    // 128 + SIGKILL, what a shell reports for a process the OOM killer ended
    // (and what container tools report as OOMKilled): scripts that already
    // test for 137 keep working, and it stays apart from 124 and 125.
    case pb::OUT_OF_MEMORY: return 137;
    case pb::FAILED:
      if (t.signal > 0) return 128 + t.signal;
      if (t.exit_code > 0) return t.exit_code;
      return 1;  // failed without an exit code of its own (lost worker, launch failure)
    default: return 0;
  }
}

TaskState Job::summary() const {
  if (running > 0) return pb::RUNNING;
  if (pending_total() > 0) return pb::PENDING;
  if (failed > 0) return pb::FAILED;
  if (out_of_memory > 0) return pb::OUT_OF_MEMORY;
  if (timed_out > 0) return pb::TIMEOUT;
  if (cancelled > 0 || !extras().cancelled_pending.empty()) return pb::CANCELLED;
  return pb::COMPLETED;
}

const JobExtras Job::kNoExtras{};

JobExtras& Job::edit_extras() {
  if (!extras_) extras_ = std::make_unique<JobExtras>();
  return *extras_;
}

void Job::shed_run_state() {
  spec.edit([](pb::JobSpec& s) {
    s.clear_env();
    s.clear_script();
  });
}

DepView Job::dep_view() const {
  DepView v;
  v.terminal = terminal();
  v.started = ever_started || v.terminal;
  v.any_bad = failed + timed_out + cancelled + out_of_memory > 0 || !extras().cancelled_pending.empty();
  v.all_ok = v.terminal && !v.any_bad;
  return v;
}

}  // namespace baton
