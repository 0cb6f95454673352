// The Raft port accepts connections from the configured peers only.
//
// libraft's TCP transport authenticates nobody: whoever reaches the port can
// claim to be a member. PeerFilter wraps that transport and closes every
// incoming connection whose source address is not one of the peers'
// (resolved when the filter is made). It is no substitute for a private
// network or a tunnel, which the docs ask for; it keeps strays out.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "ha/raft_node.h"

struct raft_uv_transport;

namespace baton::ha {

class PeerFilter {
 public:
  // Wraps `inner` (which must outlive the filter and stay initialized).
  static Result<std::unique_ptr<PeerFilter>> wrap(raft_uv_transport* inner, const std::vector<Peer>& peers);
  ~PeerFilter();
  PeerFilter(const PeerFilter&) = delete;
  PeerFilter& operator=(const PeerFilter&) = delete;

  raft_uv_transport* transport();  // what to give raft_uv_init()
  // Whether a connection from `ip` (numeric, as getnameinfo prints it) is let in.
  bool allows(const std::string& ip) const { return allowed_.count(ip) > 0; }

  struct Impl;

 private:
  PeerFilter();
  std::unique_ptr<Impl> impl_;
  std::set<std::string> allowed_;
};

// The numeric addresses `host` resolves to (for the filter and its tests).
Result<std::vector<std::string>> resolve_host(const std::string& host);

}  // namespace baton::ha
