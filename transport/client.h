// The client side of the protocol: one request, one reply, within a bounded
// time. `wait` uses wait_for(), which keeps the request alive across broker
// restarts (re-sending it when the broker comes back) and pings to tell a
// dead broker from a long wait.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "baton.pb.h"
#include "core/clock.h"
#include "core/status.h"
#include "transport/sockets.h"

namespace baton::wire {

// Errors carry the exit status the command should end with.
struct ClientError {
  int exit_code = 3;
  std::string message;
};

// A request wait_for() also sends every `every_ms` while it waits (the
// progress bar's status request); each reply goes to `on_reply`.
struct Probe {
  pb::Envelope request;
  TimeMs every_ms = 1000;
  std::function<void(const pb::Envelope&)> on_reply;
};

class Client {
 public:
  // With `curve`, the connection is encrypted and authenticated with the
  // client's key. A broker that refuses the handshake ends a call at once
  // with exit status 3 and a message saying why.
  //
  // `endpoints` may list several brokers of a replicated cluster, separated
  // by commas. The client then talks to one at a time: a broker that
  // answers "not the leader", or does not answer within a second and a
  // half, makes it try the next, round the list, until one serves the
  // request or `timeout_ms` has passed (exit status 3). Submits carry a
  // random token, so one re-sent to the next broker is not queued twice.
  Client(std::string endpoints, TimeMs timeout_ms, std::optional<ClientCurve> curve = std::nullopt);
  ~Client();

  // Sends `req` and returns the reply; Reply{ok=false} comes back as an error
  // with its code. No reply within the timeout is exit status 3.
  bool call(pb::Envelope req, pb::Envelope& reply, ClientError& err);

  // Sends a long-lived request (wait) and returns its reply whenever it
  // comes. Gives up with exit status 3 after the client timeout of broker
  // silence, and with the message "timed out" after `overall_ms` (0: never).
  bool wait_for(pb::Envelope req, pb::Envelope& reply, ClientError& err, TimeMs overall_ms,
                Probe* probe = nullptr);

  const std::string& endpoint() const { return endpoint_; }

  // "a,b, c" -> {"a", "b", "c"} (blanks dropped).
  static std::vector<std::string> split_endpoints(const std::string& list);

 private:
  // Talks to endpoints_[i] from now on (a new socket).
  void connect(std::size_t i);
  void next_endpoint() { connect((current_ + 1) % endpoints_.size()); }
  bool replicated() const { return endpoints_.size() > 1; }
  static constexpr TimeMs kTryMs = 1500;  // silence before trying the next broker of a list
  bool recv_reply(std::uint64_t rid, pb::Envelope& reply, TimeMs deadline_ms);
  void send(const pb::Envelope& env);
  // Polls the socket (and the handshake monitor) up to `ms`; true when a
  // message may be waiting. Sets handshake_error_ when the broker refused us.
  bool poll(TimeMs ms);

  std::vector<std::string> endpoints_;
  std::size_t current_ = 0;
  std::string endpoint_;  // endpoints_[current_]
  TimeMs timeout_ms_;
  std::optional<ClientCurve> curve_key_;
  zmq::context_t ctx_;
  std::unique_ptr<DealerSocket> sock_;
  std::unique_ptr<zmq::socket_t> monitor_;  // handshake failures of sock_
  bool curve_ = false;
  std::string handshake_error_;
  bool refused_ = false;  // the broker refused the connection (it is down)
  std::uint64_t next_rid_ = 1;
};

}  // namespace baton::wire
