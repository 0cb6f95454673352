// The broker daemon's one event loop. Each turn: poll the two ROUTER sockets
// (clients, workers) and the stop signal, with a timeout that ends at the
// engine's next deadline; feed every waiting message to the engine; tick it;
// commit the journal group; and only then send what the turn produced.
// A failed commit ends the loop without sending: nothing is acknowledged that
// is not durable, and the restarted broker recovers from the journal.
#pragma once

#include <deque>
#include <functional>
#include <string>

#include <zmq.hpp>

#include "core/broker_engine.h"
#include "core/clock.h"
#include "core/outbox.h"
#include "transport/sockets.h"

namespace baton::wire {

struct BrokerLoopOptions {
  std::string clients;            // bind endpoint for clients
  std::string workers;            // bind endpoint for workers
  std::size_t max_message = 64u << 20;
  std::size_t max_per_turn = 2000;  // messages taken per socket per turn, for fairness
};

class BrokerLoop {
 public:
  using Commit = std::function<Status()>;
  // Requests the engine does not answer itself (history reads the journal).
  using ClientHook = std::function<bool(const std::string& peer, const pb::Envelope& msg, Outbox& out)>;

  BrokerLoop(zmq::context_t& ctx, BrokerLoopOptions opts, BrokerEngine& engine, Outbox& out, const Clock& clock,
             Commit commit, ClientHook hook);
  Status bind();
  const std::string& clients_endpoint() const { return clients_.endpoint(); }
  const std::string& workers_endpoint() const { return workers_.endpoint(); }

  // Runs until `on_signal` (called when signal_fd is readable) returns true.
  // Returns 0 after a clean stop, 1 when the journal failed.
  int run(int signal_fd, const std::function<bool()>& on_signal);

 private:
  void send_all(TimeMs now);

  BrokerLoopOptions opts_;
  BrokerEngine& engine_;
  Outbox& out_;
  const Clock& clock_;
  Commit commit_;
  ClientHook hook_;
  RouterSocket clients_;
  RouterSocket workers_;
  std::deque<Outgoing> backlog_;   // sends that hit a full queue; retried next turn
};

}  // namespace baton::wire
