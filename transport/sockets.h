// ZeroMQ sockets with baton's framing. RouterSocket is the broker's side of a
// channel (bind, many peers); DealerSocket is a worker's or client's (connect,
// one broker). Receives never block; malformed messages are logged and
// dropped here, so nothing bad reaches an engine. Sends never block either:
// the caller learns whether to retry (Again) or forget the peer (Unroutable).
#pragma once

#include <optional>
#include <string>

#include <zmq.hpp>

#include "baton.pb.h"
#include "core/status.h"
#include "transport/security.h"

namespace baton::wire {

enum class SendResult { Sent, Again, Unroutable };

struct Incoming {
  std::string peer;     // routing id (RouterSocket only)
  pb::Envelope msg;
  std::string user_id;  // from the ZAP handler, on a CURVE socket; else empty
};

class RouterSocket {
 public:
  RouterSocket(zmq::context_t& ctx, std::size_t max_message);
  // Binds; with `curve`, as a CURVE server whose peers the ZAP handler of
  // its domain authorizes.
  Status bind(const std::string& endpoint, const ServerCurve* curve = nullptr);
  // The next well-formed message, or nullopt when none is waiting.
  std::optional<Incoming> recv();
  SendResult send(const std::string& peer, const std::string& bytes);
  zmq::socket_t& raw() { return sock_; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  zmq::socket_t sock_;
  std::string endpoint_;
  std::string name_;
  bool curve_ = false;
};

class DealerSocket {
 public:
  // With `curve`, a CURVE client of the broker's public key.
  DealerSocket(zmq::context_t& ctx, const std::string& endpoint, const std::string& identity,
               std::size_t max_message, const ClientCurve* curve = nullptr);
  std::optional<pb::Envelope> recv();
  SendResult send(const std::string& bytes);
  zmq::socket_t& raw() { return sock_; }

 private:
  zmq::socket_t sock_;
};

// A fresh routing id: prefix, pid and random bits.
std::string make_identity(const std::string& prefix);

}  // namespace baton::wire
