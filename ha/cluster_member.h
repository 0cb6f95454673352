// One broker of a replicated cluster: the local SQLite journal as the state
// machine of a Raft log, and the loop's view of the cluster (leader or
// standby). cmd/broker_cmd.cpp wires it in when the configuration has [ha].
//
// How a turn is made durable: the engine writes into batch() (rows, not
// SQL); commit() proposes the batch as one log entry and waits until the
// cluster has committed it and this broker has applied it to its own
// SQLite. Only then does the loop send what the turn produced, so nothing
// is acknowledged that a majority of brokers has not stored. Followers apply
// the same entries in the same order; replays are skipped by the applied
// index kept in the SQLite file itself.
//
// A new leader becomes active only after a barrier: everything committed
// before its term is applied locally, and the loop rebuilds its engine from
// the journal exactly as a restarted single broker does.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "ha/raft_node.h"
#include "store/journal_batch.h"
#include "store/sqlite_journal.h"
#include "transport/broker_loop.h"

namespace baton::ha {

struct MemberOptions {
  RaftOptions raft;
  JournalOptions journal;      // the local copy (synchronous=NORMAL is enough: the log is durable)
  long commit_timeout_ms = 10000;  // a proposal not settled by then counts as failed
};

class ClusterMember final : public wire::Replication, private StateMachine {
 public:
  static Result<std::unique_ptr<ClusterMember>> open(const MemberOptions& opts);
  ~ClusterMember() override;

  SqliteJournal& journal() { return *journal_; }  // reads: rebuild, history
  BatchJournal& batch() { return batch_; }         // the engine's Journal
  // Proposes what batch() holds and waits for it (see above). Ok at once
  // when the batch is empty.
  Status commit();
  const RaftNode& node() const { return *node_; }

  // wire::Replication
  int fd() const override { return node_->fd(); }
  long timeout_ms() const override { return node_->timeout_ms(); }
  void run_nowait() override;
  // Called from run_nowait() at most once a second with this member's view
  // (metrics: role and term).
  void on_poll(std::function<void(const RaftNode&)> f) { on_poll_ = std::move(f); }
  bool active() override;
  std::uint64_t term() const override { return node_->term(); }
  std::string leader_hint() const override;
  std::string fatal() const override { return node_->fatal(); }
  void step_down() override;
  bool serve(const std::string& peer, const pb::Envelope& msg, Outbox& out) override;

 private:
  explicit ClusterMember(const MemberOptions& opts);
  // StateMachine
  Status apply(std::string_view entry, std::uint64_t index) override;
  Result<std::string> snapshot() override;
  Status restore(std::string_view snapshot) override;

  const MemberOptions opts_;
  std::unique_ptr<SqliteJournal> journal_;
  std::unique_ptr<RaftNode> node_;
  BatchJournal batch_;
  std::string entry_;                 // scratch: the serialized batch
  std::uint64_t ready_term_ = 0;      // the term whose barrier has been applied
  std::uint64_t barrier_term_ = 0;    // the term a barrier is pending for
  std::function<void(const RaftNode&)> on_poll_;
  std::chrono::steady_clock::time_point next_poll_{};
};

}  // namespace baton::ha
