// The worker as a state machine: registers with the broker, starts the tasks
// it is assigned, enforces time limits and cancels, and reports results until
// the broker acknowledges them. It never touches a socket, a process or a
// file: the daemon loop feeds it messages, process exits and ticks, and it
// acts through a Launcher, an OutputReader (`baton logs`) and an Outbox.
//
// Results are kept until the broker acks them and are re-sent on
// re-registration, so a broker restart loses no result.
//
// A task the broker prefetched (Assignment.queued) waits here until it fits
// in what the running tasks leave free, and starts the moment one ends,
// before that one's result goes out. Queued tasks are reported with the
// running ones (heartbeats, registration) but have no process.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "baton.pb.h"
#include "core/clock.h"
#include "core/launcher.h"
#include "core/outbox.h"
#include "core/output_reader.h"
#include "core/resources.h"

namespace baton {

struct WorkerConfig {
  std::string name;
  std::string host;
  Resources capacity;
  std::vector<std::uint32_t> gpu_ids;
  std::vector<std::string> queues;
  std::map<std::string, std::string> labels;
  std::uint32_t weight = 1;
  TimeMs heartbeat_ms = 1000;
  std::uint32_t liveness = 5;
  TimeMs kill_grace_ms = 10 * kSecond;
  TimeMs drain_timeout_ms = 30 * kSecond;
  // While a queued (prefetched) task waits behind the running ones, the broker has
  // nothing to refill yet: the worker's messages (results, starts) may wait
  // up to this long and then go out together, which costs the broker one
  // turn and one journal commit instead of one per message. 0: send at once.
  TimeMs report_batch_ms = 5;
  // Run each task as its job's user (spec.user), not as the worker. Only a
  // root worker can; cmd/ refuses to start a non-root worker with it set.
  bool run_as_submitter = false;
  // With run_as_submitter: a job whose user is root (uid 0) may run. Off, it
  // fails to launch with an error saying so.
  bool allow_root_jobs = false;
};

class WorkerEngine {
 public:
  WorkerEngine(WorkerConfig cfg, Launcher& launcher, OutputReader& reader, Outbox& out, TimeMs now);
  WorkerEngine(const WorkerEngine&) = delete;
  WorkerEngine& operator=(const WorkerEngine&) = delete;

  // A (new) connection to the broker is up: register, reporting running tasks.
  void on_connected(TimeMs now);
  // The broker has been silent for `liveness` heartbeats: reconnect.
  bool broker_lost(TimeMs now) const;

  void on_message(const pb::Envelope& msg, TimeMs now);
  void on_exit(const ProcessExit& exit, TimeMs now);
  void on_tick(TimeMs now);
  TimeMs next_deadline() const;
  // Asked by the loop before it sends the outbox: true while its messages may
  // wait (WorkerConfig::report_batch_ms); next_deadline() covers the wait.
  // When they go, a STARTED whose task's result goes with it is dropped: the
  // result carries the start time.
  bool hold_output(TimeMs now);

  // SIGTERM: start no new tasks; let running ones finish until the drain
  // timeout, then hand them back. A second call hands back at once.
  void drain(TimeMs now);
  // Drained, nothing running, results delivered (or given up on): exit now.
  bool done(TimeMs now) const;

  bool registered() const { return registered_; }
  std::size_t running() const { return tasks_.size(); }
  std::size_t queued() const { return queue_.size(); }
  std::size_t unacked() const { return unacked_.size(); }
  const WorkerConfig& config() const { return cfg_; }

 private:
  struct Task {
    pb::TaskRef ref;
    Resources need;             // what it holds of the worker's capacity
    int pid = 0;
    TimeMs start_ms = 0;
    TimeMs limit_at = kNever;   // time limit
    TimeMs warn_at = kNever;    // --signal=SIG@SECS
    int warn_signal = 0;
    TimeMs kill_at = kNever;    // SIGKILL after SIGTERM's grace
    bool timed_out = false;
    bool cancelled = false;
    bool handed_back = false;
  };
  using Key = std::pair<std::uint64_t, std::uint32_t>;  // job, index

  // A job's spec and the part of its tasks' environment that every task shares.
  struct CachedJob {
    pb::JobSpec spec;
    std::vector<std::string> base_env;
    std::vector<std::uint32_t> entry_starts;  // --each-line: where each line of spec.entries starts
  };
  static constexpr std::size_t kCachedJobs = 4096;
  const CachedJob& remember(std::uint64_t job, const pb::JobSpec& spec);

  void start(const pb::Assignment& a, TimeMs now);
  void launch(const pb::Assignment& a, const CachedJob& job, TimeMs now);
  // Starts the queued tasks that fit now, in the order they came.
  void start_queued(TimeMs now);
  // Reports a queued task that never started (cancelled, handed back).
  void unqueue(const pb::Assignment& a, pb::Outcome outcome, const char* why, TimeMs now);
  void hand_back_queue(TimeMs now);
  void terminate(Task& t, TimeMs now);
  void report(pb::TaskResult r);
  void send(pb::Envelope msg);
  void hand_back_all(TimeMs now);
  void drop_reported_starts();  // see hold_output
  // ReadLog: one chunk of an output file, answered at once (LogChunk).
  void answer_read(const pb::ReadLog& m);
  LaunchSpec launch_spec(const pb::Assignment& a, const CachedJob& job) const;

  const WorkerConfig cfg_;
  Launcher& launcher_;
  OutputReader& reader_;
  Outbox& out_;
  std::map<Key, Task> tasks_;
  std::map<int, Key> by_pid_;
  std::deque<pb::Assignment> queue_;  // prefetched, waiting for room (spec not kept: see jobs_)
  Resources used_;                    // what the running tasks hold
  std::unordered_map<std::uint64_t, CachedJob> jobs_;  // specs the broker sent, by job
  std::vector<pb::TaskResult> unacked_;
  bool registered_ = false;
  bool draining_ = false;
  TimeMs drain_deadline_ = kNever;
  TimeMs last_heard_ = 0;
  TimeMs next_heartbeat_ = 0;
  TimeMs next_resend_ = kNever;
  TimeMs register_sent_ = 0;     // when the last Register left
  TimeMs held_since_ = kNever;   // the outbox has waited since (hold_output)
};

}  // namespace baton
