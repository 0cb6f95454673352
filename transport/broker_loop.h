// The broker daemon's one event loop. Each turn: poll the two ROUTER sockets
// (clients, workers) and the stop signal, with a timeout that ends at the
// engine's next deadline; feed every waiting message to the engine; tick it;
// commit the journal group; and only then send what the turn produced.
//
// When a commit fails (disk full, I/O error) nothing of the turn is sent: no
// acknowledgement leaves that is not durable. The loop then rebuilds the
// engine from the journal's committed state (what the broker had promised),
// answers this turn's changing requests with an error, and runs read-only:
// status, explain, workers and wait are served; submit, cancel, hold,
// release, update and drain are refused with a clear error; worker messages
// are dropped (workers keep their tasks and results, and re-register later).
// Every second it probes the journal with a small write; once that commits,
// it rebuilds the engine again (as after a restart: tasks re-attach) and
// resumes.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "core/broker_engine.h"
#include "core/clock.h"
#include "core/outbox.h"
#include "transport/security.h"
#include "transport/sockets.h"

namespace baton::wire {

struct BrokerLoopOptions {
  std::string clients;            // bind endpoint for clients
  std::string workers;            // bind endpoint for workers
  std::size_t max_message = 64u << 20;
  std::size_t max_per_turn = 2000;  // messages taken per socket per turn, for fairness
  TimeMs probe_interval_ms = 1000;  // how often a read-only broker tries its journal again
};

// How the loop reaches the journal.
struct JournalHooks {
  std::function<Status()> commit;   // makes the turn's group durable
  std::function<void()> abandon;    // rolls back whatever is staged
  std::function<Status()> probe;    // a small write of its own: writable again?
  // A new engine from the journal's committed state (a new broker id, so
  // clients re-send their waits).
  std::function<Result<std::unique_ptr<BrokerEngine>>(TimeMs now)> rebuild;
};

// A replicated broker's cluster, as the loop sees it (ha/ implements it).
// Without one the loop is the single broker it always was.
class Replication {
 public:
  virtual ~Replication() = default;
  virtual int fd() const = 0;            // poll it; readable when there is work
  virtual long timeout_ms() const = 0;   // until the next timer (-1: none)
  virtual void run_nowait() = 0;         // the cluster's work that is due
  // Serving: this broker leads, and has applied everything before its term.
  virtual bool active() = 0;
  virtual std::uint64_t term() const = 0;
  // Who leads, for "not the leader" replies ("node 2 at host:7430"), or empty.
  virtual std::string leader_hint() const = 0;
  // Non-empty: this member can no longer apply the log; stop the broker.
  virtual std::string fatal() const = 0;
  // A commit failed while leading: hand leadership to another member.
  virtual void step_down() = 0;
  // Cluster requests (`baton ha`), answered in every state; false: not one.
  virtual bool serve(const std::string& peer, const pb::Envelope& msg, Outbox& out) = 0;
};

// What one loop turn did, for monitoring (metrics, events).
struct TurnReport {
  TimeMs now = 0;
  bool committed = false;     // false: a read-only turn (nothing was written)
  double tick_seconds = 0;    // the engine's periodic work and scheduling pass
  double commit_seconds = 0;  // the journal commit (0 when nothing was committed)
};

class BrokerLoop {
 public:
  // Called after each turn's commit and before its sends; what it puts in the
  // outbox leaves with the turn. It may take the engine's events. Must be
  // quick: it runs on the loop.
  using TurnHook = std::function<void(BrokerEngine& engine, const TurnReport& turn, Outbox& out)>;

  // Requests the engine does not answer itself (history reads the journal).
  using ClientHook =
      std::function<bool(const std::string& peer, const pb::Envelope& msg, const Requester& who, Outbox& out)>;

  BrokerLoop(zmq::context_t& ctx, BrokerLoopOptions opts, std::unique_ptr<BrokerEngine> engine, Outbox& out,
             const Clock& clock, JournalHooks journal, ClientHook hook);
  // Turns on CURVE for both endpoints with the broker's secret key, and
  // authorizes each connecting key with `decide` (domains "clients" and
  // "workers"; for clients it returns "user:NAME" or "admin:NAME"). Call
  // before bind().
  Status secure(std::string secret_z85, ZapHandler::Decide decide);
  // Makes this broker one member of a replicated cluster: it serves only
  // while `repl` says it is active, builds its engine (journal.rebuild) each
  // time it becomes so, and answers everything with "not the leader"
  // otherwise. `repl` must outlive the loop. Call before run().
  void replicate(Replication& repl) { repl_ = &repl; }
  Status bind();
  const std::string& clients_endpoint() const { return clients_.endpoint(); }
  const std::string& workers_endpoint() const { return workers_.endpoint(); }
  // REQUIRES: an engine (a single broker always has one; a replicated one
  // only while it is active).
  const BrokerEngine& engine() const { return *engine_; }
  // Why the broker is read-only, or empty when it is not.
  const std::string& read_only_reason() const { return read_only_; }

  void on_turn(TurnHook hook) { turn_hook_ = std::move(hook); }
  // Calls `still_reachable` about every `period_ms`; when it returns false
  // the loop stops as after a stop signal (a personal broker whose ipc
  // socket was removed with its runtime directory).
  void watch(std::function<bool()> still_reachable, TimeMs period_ms);

  // Runs until `on_signal` (called when signal_fd is readable) returns true.
  // Returns 0 after a clean stop, 1 when the journal cannot be read back.
  int run(int signal_fd, const std::function<bool()>& on_signal);

  // True for requests that change state (and so need the journal).
  static bool changes_state(const pb::Envelope& msg);

 private:
  // One turn's work; false when the loop must stop.
  bool turn(TimeMs now);
  bool read_only_turn(TimeMs now);
  bool enter_read_only(const Status& why, TimeMs now);
  void refuse(const std::string& peer, std::uint64_t request_id);
  Requester identify(const Incoming& in) const;
  // A client request to the hook or the engine, as the sender's identity.
  void serve(const Incoming& in, TimeMs now);
  // The engine from the journal's committed state; false (logged) when it cannot be read.
  bool rebuild(TimeMs now);
  void send_all(TimeMs now);
  // Replicated brokers: a turn while not the active leader, and the move
  // into that state (the engine and everything unsent are dropped).
  void standby_turn();
  void stand_down(const char* why);

  BrokerLoopOptions opts_;
  std::unique_ptr<BrokerEngine> engine_;
  Outbox& out_;
  const Clock& clock_;
  JournalHooks journal_;
  ClientHook hook_;
  TurnHook turn_hook_;
  RouterSocket clients_;
  RouterSocket workers_;
  zmq::context_t& ctx_;
  std::unique_ptr<ZapHandler> zap_;  // with CURVE
  Replication* repl_ = nullptr;      // a member of a replicated cluster
  std::string secret_z85_;
  std::deque<Outgoing> backlog_;   // sends that hit a full queue; retried next turn
  std::string read_only_;          // the failed commit's error while read-only
  TimeMs next_probe_ = 0;
  std::function<bool()> watch_;
  TimeMs watch_period_ = 1000;
  TimeMs next_watch_ = 0;
  // This turn's client requests, kept until the commit: a failed commit
  // answers them again from the rebuilt engine (or refuses them).
  std::vector<Incoming> turn_requests_;
};

}  // namespace baton::wire
