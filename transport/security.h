// CURVE keys and the ZAP handler: who may connect to the broker.
//
// With keys configured, both broker endpoints are CURVE servers (encrypted,
// and every peer proves it holds the secret of a public key). libzmq then
// asks the ZAP handler about each handshake; without a handler it would
// accept any key, so the broker always runs one when CURVE is on. The handler
// answers with a user id that libzmq attaches to every message of that
// connection ("User-Id"): the broker's only source of a client's identity.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "core/clock.h"
#include "core/status.h"

namespace baton::wire {

struct CurveKeyPair {
  std::string public_z85;  // 40 characters
  std::string secret_z85;
};

// A fresh key pair from libzmq (libsodium underneath).
Result<CurveKeyPair> generate_keypair();
// A secret key file as `baton keygen` writes it (one Z85 line; comments with
// '#' allowed). Refuses a file others can read. Derives the public key.
Result<CurveKeyPair> load_secret_key(const std::string& path);
// A public key given inline (40 Z85 characters) or as a file holding one.
Result<std::string> load_public_key(const std::string& key_or_path);
bool is_z85_key(const std::string& text);

// What a CURVE server socket needs.
struct ServerCurve {
  std::string secret_z85;
  std::string zap_domain;  // "clients" or "workers": the handler decides per domain
};

// What a CURVE client (worker or client command) needs.
struct ClientCurve {
  std::string server_public_z85;
  CurveKeyPair own;
};

// The ZAP handler: a REP socket on inproc://zeromq.zap.01 of the context,
// served by the broker's loop.
class ZapHandler {
 public:
  // The user id for an accepted key, or nullopt to refuse it.
  using Decide = std::function<std::optional<std::string>(const std::string& domain, const std::string& public_z85)>;

  // Binds the handler; must happen before any CURVE socket of `ctx` binds.
  static Result<std::unique_ptr<ZapHandler>> start(zmq::context_t& ctx, Decide decide);
  zmq::socket_t& raw() { return sock_; }
  // Answers every waiting request. Refusals are logged once per key per
  // minute, not once per attempt.
  void handle(TimeMs now);

 private:
  ZapHandler(zmq::context_t& ctx, Decide decide);
  zmq::socket_t sock_;
  Decide decide_;
  std::map<std::string, TimeMs> last_refusal_log_;
};

}  // namespace baton::wire
