// One member of a replicated broker cluster: libraft (Canonical's C Raft,
// on libuv) behind a small C++ seam, so a newer Raft library can replace it
// here without touching the broker.
//
// Threading: none of its own. The broker's poll loop watches fd(), bounds
// its timeout by timeout_ms(), and calls run_nowait(); every callback
// (apply, done, restore) runs inside those calls, on the broker's thread.
// libraft's disk writes use libuv's thread pool and wake fd() when done.
//
// The Raft port has no authentication of its own: connections are accepted
// only from the configured peers' addresses (see peer_filter.h), and the
// port belongs on a private network.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "baton.pb.h"
#include "core/status.h"

namespace baton::ha {

struct Peer {
  std::uint64_t id = 0;
  std::string address;  // HOST:PORT of its Raft port
};

// "ID@HOST:PORT", e.g. "2@10.0.0.2:7430". The error names what is wrong.
Result<Peer> parse_peer(std::string_view text);

struct RaftOptions {
  std::uint64_t id = 0;
  std::vector<Peer> peers;    // the initial voters, this node among them
  std::string dir;            // Raft log, metadata and snapshots; must exist
  unsigned election_timeout_ms = 300;
  unsigned heartbeat_ms = 50;
  unsigned snapshot_threshold = 16384;  // entries between snapshots
  unsigned snapshot_trailing = 4096;    // entries kept behind a snapshot for lagging followers
};

// What the replicated log is applied to: every member applies every
// committed entry, in order, exactly as the others do.
class StateMachine {
 public:
  virtual ~StateMachine() = default;
  // `entry` committed at log `index`. An error stops this member (it is no
  // longer a faithful copy): the broker exits, and a restart replays.
  virtual Status apply(std::string_view entry, std::uint64_t index) = 0;
  // A self-contained copy of everything applied so far.
  virtual Result<std::string> snapshot() = 0;
  // Replaces everything with a snapshot (a new or lagging member catching up).
  virtual Status restore(std::string_view snapshot) = 0;
};

class RaftNode {
 public:
  // Bootstraps a pristine `dir` with `peers` as the first configuration (the
  // same on every member), then starts. `fsm` must outlive the node.
  static Result<std::unique_ptr<RaftNode>> start(const RaftOptions& opts, StateMachine& fsm);
  // Lost quorum: forces `opts.peers` as the configuration of the log in
  // `opts.dir` (libraft's raft_recover). Every broker of the cluster must be
  // stopped; run it once, on the member with the highest term and longest
  // log, then copy that raft_dir and journal to the other members.
  static Status recover(const RaftOptions& opts);
  ~RaftNode();
  RaftNode(const RaftNode&) = delete;
  RaftNode& operator=(const RaftNode&) = delete;

  int fd() const;            // readable when libuv has work
  long timeout_ms() const;   // until libuv's next timer (-1: none)
  void run_nowait();         // runs whatever is due, without blocking
  // Runs libuv until `done()` holds, at most `max_ms`.
  void run_until(const std::function<bool()>& done, long max_ms);

  bool is_leader() const;
  std::uint64_t id() const;
  std::uint64_t term() const;
  std::uint64_t leader_id() const;
  std::string leader_address() const;
  // A failed apply stopped this member (see StateMachine::apply).
  const std::string& fatal() const;

  // Appends `entry` to the log. `done` runs from run_*() once the entry is
  // committed and applied here (ok), or when it cannot be (not the leader,
  // leadership lost, I/O error): then it may or may not commit later.
  Status propose(std::string_view entry, std::function<void(Status)> done);
  // Commits a barrier: `done` runs once every earlier entry is applied here.
  Status barrier(std::function<void(Status)> done);
  // Hands leadership to `to` (0: any up-to-date voter). Asynchronous.
  Status transfer(std::uint64_t to);
  // Membership changes (leader only): a new voter, or a member out.
  Status add_voter(std::uint64_t id, const std::string& address, std::function<void(Status)> done);
  Status remove(std::uint64_t id, std::function<void(Status)> done);

  // For `baton ha status`.
  pb::HaReply describe() const;

  struct Impl;

 private:
  explicit RaftNode(std::unique_ptr<Impl> impl);
  // Everything up to raft_init, for start() and recover(): the loop,
  // libraft's TCP transport (bound to this node's address and behind the
  // peer filter when `serve`), its disk I/O in opts.dir, and `machine`.
  Status open(const RaftOptions& opts, StateMachine& machine, bool serve);
  std::unique_ptr<Impl> impl_;
};

}  // namespace baton::ha
