// The broker as a state machine. It owns jobs, workers and the scheduler;
// messages and ticks change its state and produce journal writes and outgoing
// messages. It never touches a socket, a file or the clock: the daemon loop
// passes `now`, commits the journal group, then sends the outbox.
//
// Invariants:
// - a task is RUNNING on at most one worker, under one attempt; results and
//   heartbeats that name another attempt are stale and ignored (fencing);
// - a task that was dispatched has a TaskRecord and is journaled as such
//   before its Assign leaves the broker;
// - job ids grow and are never reused.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "baton.pb.h"
#include "core/config.h"
#include "core/job.h"
#include "core/journal.h"
#include "core/outbox.h"
#include "core/scheduler.h"
#include "core/worker_pool.h"

namespace baton {

class BrokerEngine {
 public:
  BrokerEngine(BrokerConfig cfg, Journal& journal, Outbox& outbox, TimeMs now);
  BrokerEngine(const BrokerEngine&) = delete;
  BrokerEngine& operator=(const BrokerEngine&) = delete;

  // Rebuilds jobs, queues and running tasks from the journal. Tasks that were
  // running wait for their worker to re-register; if it does not within the
  // liveness window they are requeued.
  void restore(RecoveredState state, TimeMs now);

  void on_worker_message(const std::string& peer, const pb::Envelope& msg, TimeMs now);
  void on_client_message(const std::string& peer, const pb::Envelope& msg, TimeMs now,
                         const Requester& who = Requester{});
  // A send to this peer failed because it is gone (ROUTER_MANDATORY).
  void on_unroutable(Channel ch, const std::string& peer, const pb::Envelope& msg, TimeMs now);
  // A client connection went away: forget its waits and log reads.
  void on_client_gone(const std::string& peer);

  // Periodic work and the scheduling pass: heartbeats to workers, liveness
  // expiry, begin times and retry delays that came due, then dispatch. Call
  // once per loop turn, after the turn's messages.
  void on_tick(TimeMs now);
  // When on_tick next has timed work to do.
  TimeMs next_deadline() const;

  // Read access for views, tests and benchmarks.
  const JobTable& jobs() const { return jobs_; }
  const WorkerPool& workers() const { return pool_; }
  const Scheduler& scheduler() const { return sched_; }
  const BrokerConfig& config() const { return cfg_; }
  JobId next_job_id() const { return next_id_; }
  std::size_t waiter_count() const { return waiters_.size(); }
  // `logs` reads sent to workers and not yet answered.
  std::size_t log_reads() const { return reads_.size(); }
  // Finished jobs that left memory after min_job_age (their outcome stays
  // known, for dependencies and wait).
  std::size_t evicted_count() const { return evicted_.size(); }

  // Submits as a client would (tests and benchmarks). Returns the job id or an error.
  Result<JobId> submit(pb::JobSpec spec, TimeMs now, std::vector<std::string>* warnings = nullptr,
                       const Requester& who = Requester{});

 private:
  // ---- tasks (broker_engine.cpp)
  void dispatch(const Dispatch& d, TimeMs now);
  // Sends this turn's acks and Assigns, one message of each per worker.
  void flush_assignments();
  void finish_task(Job& job, std::uint64_t ordinal, const pb::TaskResult& r, TimeMs now);
  void requeue(Job& job, std::uint64_t ordinal, TaskRecord& rec, TimeMs now, bool crash);
  void end_task(Job& job, std::uint64_t ordinal, TaskRecord& rec, TaskState state, TimeMs now);
  void release_worker(Job& job, std::uint64_t ordinal, TaskRecord& rec, TimeMs now);
  void task_terminal(Job& job, std::uint64_t ordinal, TimeMs now);
  void job_progress(Job& job, TimeMs now);
  void job_terminal(Job& job, TimeMs now);
  void evict_old(TimeMs now);
  // The unknown-job error, or for a job that left memory, where to look.
  std::string gone_error(JobId id) const;
  void worker_lost(Worker& w, TimeMs now, const char* why);
  void settle_dependencies(TimeMs now);
  void reevaluate(Job& job, TimeMs now);
  bool singleton_clear(const Job& job) const;
  void corr_update(Job& dependent, const Job& source, std::uint64_t ordinal, TimeMs now);
  void corr_init(Job& job);
  void cancel_pending(Job& job, const IntervalSet& ordinals, TimeMs now);
  void cancel_task(Job& job, std::uint64_t ordinal, int signal, TimeMs now, std::vector<std::string>& notes);
  Job* find(JobId id);
  Job& add_job(JobId id, pb::JobSpec spec, TimeMs submit_ms);
  void left_active(const Job& job);

  // ---- workers (broker_workers.cpp)
  void handle_register(const std::string& peer, const pb::Register& m, TimeMs now);
  void handle_heartbeat(Worker& w, const pb::Heartbeat& m, TimeMs now);
  void handle_finished(Worker* w, const pb::TaskResult& r, TimeMs now, pb::FinishedAck& ack);
  void send_worker(const Worker& w, pb::Envelope msg);
  void kill_stale(const std::string& peer, const pb::TaskRef& t);
  void expire_orphans(TimeMs now);

  // ---- clients (broker_clients.cpp)
  void handle_submit(const std::string& peer, std::uint64_t rid, const pb::SubmitRequest& m, TimeMs now,
                     const Requester& who);
  void handle_cancel(const std::string& peer, std::uint64_t rid, const pb::CancelRequest& m, TimeMs now,
                     const Requester& who);
  void handle_hold(const std::string& peer, std::uint64_t rid, const pb::HoldRequest& m, TimeMs now,
                   const Requester& who);
  void handle_update(const std::string& peer, std::uint64_t rid, const pb::UpdateRequest& m, TimeMs now,
                     const Requester& who);
  void handle_wait(const std::string& peer, std::uint64_t rid, const pb::WaitRequest& m, TimeMs now);
  void handle_workers(const std::string& peer, std::uint64_t rid, const pb::WorkersRequest& m, TimeMs now);
  void reply(const std::string& peer, std::uint64_t rid, pb::Envelope msg);
  void reply_error(const std::string& peer, std::uint64_t rid, int code, const std::string& error);

  // A resolved target: a job and the ordinals it names (all when whole).
  struct Resolved {
    Job* job = nullptr;
    bool whole = true;
    IntervalSet ordinals;
  };
  Result<Resolved> resolve(const std::string& target);
  // Why `who` may not act on (or, with private_jobs, see) `job`; empty when it may.
  std::string denied(const Requester& who, const Job& job, const char* action) const;
  bool hidden(const Requester& who, const Job& job) const;

  // ---- waits
  struct Waiter {
    std::string peer;
    std::uint64_t request_id = 0;
    bool any = false;
    int base_code = 0;  // from targets that already left memory
    std::vector<std::pair<JobId, std::optional<IntervalSet>>> targets;
  };
  bool wait_ready(const Waiter& w, int& code, pb::WaitReply& reply) const;
  void wake_waiters(JobId job);

  // ---- logs (broker_logs.cpp): the broker relays reads of a task's output
  // file between a client and the worker that ran the task. One read per
  // client connection is in flight at a time, each at most one chunk.
  struct LogRead {
    std::string peer;            // the client
    std::uint64_t request_id = 0;
    WorkerSlot worker = kNoWorker;
    TimeMs deadline = 0;
    JobId job = 0;
    std::uint64_t ordinal = 0;
    pb::ReadLog request;         // kept to re-send when the worker reconnects
    pb::LogsReply reply;         // what is known before the worker answers
  };
  void handle_logs(const std::string& peer, std::uint64_t rid, const pb::LogsRequest& m, TimeMs now,
                   const Requester& who);
  void handle_log_chunk(const Worker& w, const pb::LogChunk& c);
  // Answers every read waiting on `w` with an error: it is gone.
  void fail_reads(const Worker& w);
  void resend_reads(const Worker& w);
  void expire_reads(TimeMs now);

  // ---- views (broker_views.cpp)
  // `summarize`: an array's finished tasks go in as ranges per state, not
  // one by one (status replies stay small while big arrays run).
  void fill_job_info(const Job& job, pb::JobInfo* out, const std::optional<IntervalSet>& only,
                     bool summarize = false) const;
  void handle_status(const std::string& peer, std::uint64_t rid, const pb::StatusRequest& m, const Requester& who);
  void handle_explain(const std::string& peer, std::uint64_t rid, const pb::ExplainRequest& m, TimeMs now,
                      const Requester& who);
  void fill_worker_info(const Worker& w, pb::WorkerInfo* out) const;

  BrokerConfig cfg_;
  Journal& journal_;
  Outbox& out_;
  JobTable jobs_;
  WorkerPool pool_;
  Scheduler sched_;
  JobId next_id_ = 1;

  std::map<WorkerSlot, pb::Assign> assigns_;              // this turn's, per worker
  std::map<WorkerSlot, pb::FinishedAck> acks_;           // this turn's results to ack, per worker
  std::map<std::string, std::set<TaskKey>> orphans_;       // recovered running tasks by worker name
  TimeMs orphan_deadline_ = 0;
  std::map<std::pair<std::string, std::string>, std::set<JobId>> groups_;  // (user, name) -> active jobs
  std::vector<JobId> dep_work_;                            // jobs whose dependents need a look
  std::set<JobId> active_;                                 // jobs not yet terminal
  std::unordered_map<std::string, std::uint32_t> active_per_user_;  // for max_active_per_user
  // Finished jobs by end time, oldest first, for eviction after min_job_age;
  // and what is still known of those evicted.
  std::deque<std::pair<TimeMs, JobId>> ended_;
  struct Evicted {
    DepView view;
    int wait_code = 0;
  };
  std::unordered_map<JobId, Evicted> evicted_;
  // Submit tokens (pb::JobSpec::submit_token) of recent submits, so a submit
  // re-sent to this broker after an unanswered try gets the job it made.
  // Kept for kTokenWindowMs after the submit, oldest first in token_order_.
  static constexpr TimeMs kTokenWindowMs = 10 * 60 * 1000;
  std::unordered_map<std::string, JobId> tokens_;
  std::deque<std::pair<TimeMs, std::string>> token_order_;
  void remember_token(const std::string& token, JobId id, TimeMs submitted, TimeMs now);
  std::map<std::uint64_t, Waiter> waiters_;
  std::multimap<JobId, std::uint64_t> waiters_by_job_;
  std::uint64_t next_waiter_ = 1;
  // By read id. Ids and deadlines grow together, so the first read is the
  // next to time out.
  std::map<std::uint64_t, LogRead> reads_;
  std::uint64_t next_read_ = 1;
  TimeMs next_heartbeat_ = 0;
  bool dirty_ = true;                                      // a pass may find work
};

}  // namespace baton
