// ClusterMember: the SQLite journal replicated through Raft (see cluster_member.h).
#include "ha/cluster_member.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

namespace baton::ha {

namespace {

// A log entry starts with the batch's length, a snapshot with the applied
// index: 8 bytes, little endian.
constexpr std::size_t kHeader = 8;

std::string encode_index(std::uint64_t v) {
  std::string out(kHeader, '\0');
  for (std::size_t i = 0; i < kHeader; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

std::uint64_t decode_index(std::string_view s) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < kHeader; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[i])) << (8 * i);
  return v;
}

}  // namespace

ClusterMember::ClusterMember(const MemberOptions& opts) : opts_(opts) {}

ClusterMember::~ClusterMember() {
  node_.reset();  // stops Raft (which may still apply) before the journal closes
}

Result<std::unique_ptr<ClusterMember>> ClusterMember::open(const MemberOptions& opts) {
  std::unique_ptr<ClusterMember> m(new ClusterMember(opts));
  auto journal = SqliteJournal::open(opts.journal);
  if (!journal) return journal.status();
  m->journal_ = std::move(*journal);
  auto node = RaftNode::start(opts.raft, *m);
  if (!node) return node.status();
  m->node_ = std::move(*node);
  return m;
}

Status ClusterMember::commit() {
  if (batch_.empty()) return Status::ok();
  // An entry: the batch's length (8 bytes), the batch, then zeros up to a
  // multiple of 8 bytes. libraft 0.15 reads entries of other lengths back
  // from its segment files at a shifted offset when they share a batch
  // on disk, so no entry of ours has such a length.
  entry_.assign(kHeader, '\0');
  if (!batch_.batch().AppendToString(&entry_)) {
    batch_.clear();
    return Status::error("the journal batch does not serialize");
  }
  batch_.clear();
  const std::uint64_t size = entry_.size() - kHeader;
  entry_.replace(0, kHeader, encode_index(size));
  entry_.resize((entry_.size() + 7) / 8 * 8, '\0');
  // Shared with the callback, which may outlive this call (a timed-out wait).
  auto settled = std::make_shared<std::optional<Status>>();
  if (Status s = node_->propose(entry_, [settled](Status st) { *settled = std::move(st); }); !s) return s;
  node_->run_until([&] { return settled->has_value(); }, opts_.commit_timeout_ms);
  if (!settled->has_value())
    return Status::error(fmt::format("the cluster did not commit the turn within {} ms", opts_.commit_timeout_ms));
  return **settled;
}

void ClusterMember::run_nowait() {
  node_->run_nowait();
  if (!on_poll_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_poll_) return;
  next_poll_ = now + std::chrono::seconds(1);
  on_poll_(*node_);
}

bool ClusterMember::active() {
  if (!node_->is_leader()) {
    ready_term_ = barrier_term_ = 0;
    return false;
  }
  const std::uint64_t term = node_->term();
  if (ready_term_ == term) return true;
  if (barrier_term_ != term) {
    barrier_term_ = term;
    Status s = node_->barrier([this, term](Status st) {
      if (st) {
        ready_term_ = term;
      } else {
        spdlog::warn("barrier of term {} failed: {}", term, st.message());
        barrier_term_ = 0;  // try again while still leading
      }
    });
    if (!s) barrier_term_ = 0;
  }
  return false;
}

std::string ClusterMember::leader_hint() const {
  const std::uint64_t id = node_->leader_id();
  if (id == 0) return "";
  return fmt::format("node {} at {}", id, node_->leader_address());
}

void ClusterMember::step_down() {
  if (Status s = node_->transfer(0); !s) spdlog::warn("cannot hand leadership over: {}", s.message());
}

bool ClusterMember::serve(const std::string& peer, const pb::Envelope& msg, Outbox& out) {
  if (!msg.has_ha()) return false;
  const pb::HaRequest& req = msg.ha();
  const std::uint64_t rid = msg.request_id();
  auto answer = [this, &out, peer, rid](Status st, const std::string& done_text) {
    pb::Envelope env;
    env.set_request_id(rid);
    if (!st) {
      pb::Reply* r = env.mutable_reply();
      r->set_ok(false);
      r->set_code(1);
      r->set_error(st.message());
    } else {
      *env.mutable_ha_reply() = node_->describe();
      env.mutable_ha_reply()->set_message(done_text);
    }
    out.send(Channel::Client, peer, std::move(env));
  };
  const bool change = req.transfer() || req.remove() || !req.add_address().empty();
  if (!change) {
    answer(Status::ok(), "");
    return true;
  }
  if (!node_->is_leader()) {
    // The client moves on to the next broker of its list.
    pb::Envelope env;
    env.set_request_id(rid);
    pb::Reply* r = env.mutable_reply();
    r->set_ok(false);
    r->set_code(3);
    r->set_not_leader(true);
    r->set_leader_hint(leader_hint());
    r->set_error("only the leader changes the cluster; the leader is " +
                 (leader_hint().empty() ? std::string("not known yet") : leader_hint()));
    out.send(Channel::Client, peer, std::move(env));
    return true;
  }
  const std::uint64_t node = req.node();
  Status started;
  if (req.transfer()) {
    started = node_->transfer(node);
    if (started)
      answer(Status::ok(), node ? fmt::format("leadership transfer to node {} started", node)
                                : std::string("leadership transfer started"));
  } else if (req.remove()) {
    started = node_->remove(node, [answer, node](Status st) { answer(st, fmt::format("node {} removed", node)); });
  } else {
    auto peer_ok = parse_peer(fmt::format("{}@{}", node, req.add_address()));
    started = peer_ok ? node_->add_voter(node, req.add_address(),
                                         [answer, node](Status st) {
                                           answer(st, fmt::format("node {} added as a voter", node));
                                         })
                      : peer_ok.status();
  }
  if (!started) answer(started, "");
  return true;
}

Status ClusterMember::apply(std::string_view entry, std::uint64_t index) {
  pb::JournalBatch batch;
  const std::uint64_t size = entry.size() >= kHeader ? decode_index(entry) : ~std::uint64_t{0};
  if (size > entry.size() - kHeader || !batch.ParseFromArray(entry.data() + kHeader, static_cast<int>(size)))
    return Status::error(fmt::format("entry {} is not a journal batch ({} bytes: {:02x})", index, entry.size(),
                                     fmt::join(entry.substr(0, std::min<std::size_t>(entry.size(), 16)), " ")));
  return journal_->apply(batch, index);
}

Result<std::string> ClusterMember::snapshot() {
  auto applied = journal_->applied_index();
  if (!applied) return applied.status();
  const std::string tmp = opts_.journal.path + ".snapshot";
  if (Status s = journal_->backup(tmp); !s) return s;
  std::ifstream in(tmp, std::ios::binary);
  std::ostringstream data;
  data << encode_index(*applied) << in.rdbuf();
  std::remove(tmp.c_str());
  if (!in && !in.eof()) return Status::error("reading the snapshot copy " + tmp + " failed");
  return std::move(data).str();
}

Status ClusterMember::restore(std::string_view snap) {
  if (snap.size() < kHeader) return Status::error("a snapshot shorter than its header");
  const std::uint64_t index = decode_index(snap);
  auto applied = journal_->applied_index();
  if (!applied) return applied.status();
  if (index <= *applied) {
    // What the snapshot holds is here already (a restart reloads the last snapshot).
    spdlog::debug("snapshot at entry {} skipped: the journal has entry {}", index, *applied);
    return Status::ok();
  }
  const std::string& path = opts_.journal.path;
  const std::string tmp = path + ".restore";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(snap.data() + kHeader, static_cast<std::streamsize>(snap.size() - kHeader));
    out.flush();
    if (!out) return Status::error("writing the snapshot to " + tmp + " failed");
  }
  journal_.reset();
  std::remove((path + "-wal").c_str());
  std::remove((path + "-shm").c_str());
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::error(fmt::format("replacing {} with the snapshot: {}", path, std::strerror(errno)));
  auto reopened = SqliteJournal::open(opts_.journal);
  if (!reopened) return reopened.status();
  journal_ = std::move(*reopened);
  spdlog::info("journal {} replaced by the leader's snapshot at entry {}", path, index);
  return Status::ok();
}

}  // namespace baton::ha
