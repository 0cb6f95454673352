// The worker daemon's one event loop: the DEALER to the broker, child-process
// exits, and stop signals, with the poll timeout at the engine's next deadline.
// When the broker has been silent too long, the loop replaces the socket (a
// fresh connection) and the engine registers again, reporting what it runs.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "core/clock.h"
#include "core/launcher.h"
#include "core/outbox.h"
#include "core/worker_engine.h"
#include "transport/sockets.h"

namespace baton::wire {

struct WorkerLoopOptions {
  // Connect endpoint; or several brokers of a replicated cluster, separated
  // by commas: the worker talks to one at a time and moves to the next when
  // it is told "not the leader" or the broker falls silent.
  std::string broker;
  std::string identity_prefix;
  std::size_t max_message = 64u << 20;
  std::optional<ClientCurve> curve;  // with keys: encrypted, and authenticated by the broker
};

struct WorkerLoopHooks {
  int child_fd = -1;                                  // readable when children exited
  std::function<std::vector<ProcessExit>()> reap;
  int signal_fd = -1;                                 // readable when a stop signal came
  std::function<void()> on_signal;                    // e.g. engine.drain(now)
  std::function<void()> on_turn;                      // after each turn's sends (metrics); optional
  // Called about every watch_period_ms; false once: the worker hands its
  // tasks back and stops (a personal worker whose runtime directory is gone).
  std::function<bool()> still_wanted;
  TimeMs watch_period_ms = 1000;
};

class WorkerLoop {
 public:
  WorkerLoop(zmq::context_t& ctx, WorkerLoopOptions opts, WorkerEngine& engine, Outbox& out, const Clock& clock);
  // Runs until the engine is done (drained). Returns the exit status.
  int run(const WorkerLoopHooks& hooks);

 private:
  void connect(TimeMs now);
  void send_all(TimeMs now);
  // Fencing across a replicated cluster: false for a message from a broker
  // of a lower Raft term than one already heard from.
  bool current_term(const pb::Envelope& msg);

  zmq::context_t& ctx_;
  WorkerLoopOptions opts_;
  WorkerEngine& engine_;
  Outbox& out_;
  const Clock& clock_;
  std::unique_ptr<DealerSocket> sock_;
  std::deque<Outgoing> backlog_;
  int reconnects_ = 0;
  std::vector<std::string> brokers_;  // opts_.broker, split
  std::size_t current_ = 0;
  std::uint64_t term_ = 0;            // the highest term heard
  TimeMs rotate_at_ = 0;              // when to try the next broker (a standby answered); 0: not
  TimeMs last_rotate_ = 0;
  std::unique_ptr<zmq::socket_t> monitor_;  // sock_'s disconnects, with several brokers
  int monitors_ = 0;
};

}  // namespace baton::wire
