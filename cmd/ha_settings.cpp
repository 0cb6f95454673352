// [ha] settings as a cluster member's options (see ha_settings.h).
#include "cmd/ha_settings.h"

#include <algorithm>
#include <filesystem>

namespace baton::cli {

// [ha] as the cluster member's options; the error names the bad setting.
Result<ha::MemberOptions> member_options(const Settings& s, const JournalOptions& journal) {
  ha::MemberOptions o;
  o.journal = journal;
  o.journal.sync_full = false;  // the Raft log is the durable copy (fsynced on a majority)
  o.raft.id = static_cast<std::uint64_t>(s.integer("ha.node_id"));
  for (const std::string& text : s.list("ha.peers")) {
    auto p = ha::parse_peer(text);
    if (!p) return Status::error("ha.peers: " + p.error());
    for (const ha::Peer& q : o.raft.peers)
      if (q.id == p->id) return Status::error("ha.peers: node " + std::to_string(q.id) + " is listed twice");
    o.raft.peers.push_back(*p);
  }
  if (o.raft.peers.empty()) return Status::error("ha.node_id is set but ha.peers lists no brokers");
  const ha::Peer* self = nullptr;
  for (const ha::Peer& p : o.raft.peers)
    if (p.id == o.raft.id) self = &p;
  if (!self) return Status::error("ha.node_id " + std::to_string(o.raft.id) + " is not among ha.peers");
  const std::string host = self->address.substr(0, self->address.rfind(':'));
  if ((host == "0.0.0.0" || host == "::" || host == "[::]" || host == "*") && !s.boolean("security.insecure"))
    return Status::error("ha.peers: node " + std::to_string(o.raft.id) + " would listen on the wildcard address " +
                         host + "; the Raft port has no authentication, so name the private address it should use "
                         "(or set security.insecure = true on a trusted network)");
  o.raft.dir = s.str("ha.raft_dir").empty() ? journal.path + ".raft" : s.str("ha.raft_dir");
  std::error_code ec;
  std::filesystem::create_directories(o.raft.dir, ec);
  if (ec) return Status::error("ha.raft_dir " + o.raft.dir + ": " + ec.message());
  o.raft.election_timeout_ms = static_cast<unsigned>(std::max<TimeMs>(10, s.duration("ha.election_timeout")));
  o.raft.heartbeat_ms = static_cast<unsigned>(std::max<TimeMs>(1, s.duration("ha.heartbeat")));
  if (o.raft.heartbeat_ms * 2 > o.raft.election_timeout_ms)
    return Status::error("ha.heartbeat must be at most half of ha.election_timeout");
  o.raft.snapshot_threshold = static_cast<unsigned>(std::max<std::int64_t>(64, s.integer("ha.snapshot_entries")));
  o.raft.snapshot_trailing = std::max(32u, o.raft.snapshot_threshold / 4);
  o.commit_timeout_ms = std::max<long>(2000, 10L * o.raft.election_timeout_ms);
  return o;
}

}  // namespace baton::cli
