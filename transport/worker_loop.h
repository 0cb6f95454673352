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
  std::string broker;     // connect endpoint
  std::string identity_prefix;
  std::size_t max_message = 64u << 20;
  std::optional<ClientCurve> curve;  // with keys: encrypted, and authenticated by the broker
};

struct WorkerLoopHooks {
  int child_fd = -1;                                  // readable when children exited
  std::function<std::vector<ProcessExit>()> reap;
  int signal_fd = -1;                                 // readable when a stop signal came
  std::function<void()> on_signal;                    // e.g. engine.drain(now)
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
  void send_all();

  zmq::context_t& ctx_;
  WorkerLoopOptions opts_;
  WorkerEngine& engine_;
  Outbox& out_;
  const Clock& clock_;
  std::unique_ptr<DealerSocket> sock_;
  std::deque<Outgoing> backlog_;
  int reconnects_ = 0;
};

}  // namespace baton::wire
