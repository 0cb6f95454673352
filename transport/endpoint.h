// Endpoints: where a broker listens and where workers and clients connect.
// With no configuration everything is local and personal: ipc:// sockets in a
// private (0700) directory under $XDG_RUNTIME_DIR/baton, else /tmp/baton-$UID.
#pragma once

#include <string>

#include "core/status.h"

namespace baton::wire {

// The private runtime directory, created 0700 if missing. Refuses one that
// another user owns or others can write.
Result<std::string> runtime_dir();

std::string default_client_endpoint();   // ipc://<runtime>/clients.sock
std::string default_worker_endpoint();   // ipc://<runtime>/workers.sock

// Turns a bind address into one a peer can connect to ("tcp://*:7420" ->
// "tcp://127.0.0.1:7420"); ipc:// stays as it is.
std::string connectable(const std::string& endpoint);

// Checks the form: tcp://HOST:PORT, ipc://PATH or inproc://NAME.
Status check_endpoint(const std::string& endpoint);

}  // namespace baton::wire
