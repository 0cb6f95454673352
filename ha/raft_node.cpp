// RaftNode on libraft 0.15 and libuv (see raft_node.h).
#include "ha/raft_node.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

// libraft 0.15 headers declare no C linkage of their own.
extern "C" {
#include <raft.h>
#include <raft/uv.h>
}
#include <uv.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "ha/peer_filter.h"

namespace baton::ha {

Result<Peer> parse_peer(std::string_view text) {
  const auto at = text.find('@');
  if (at == std::string_view::npos || at == 0)
    return Status::error(fmt::format("bad peer '{}': expected ID@HOST:PORT, e.g. 1@10.0.0.1:7430", text));
  Peer p;
  auto [end, ec] = std::from_chars(text.data(), text.data() + at, p.id);
  if (ec != std::errc() || end != text.data() + at || p.id == 0)
    return Status::error(fmt::format("bad peer '{}': the node id must be a whole number above 0", text));
  p.address = std::string(text.substr(at + 1));
  const auto colon = p.address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == p.address.size() ||
      p.address.find_first_not_of("0123456789", colon + 1) != std::string::npos)
    return Status::error(fmt::format("bad peer '{}': expected HOST:PORT after the '@'", text));
  return p;
}

struct RaftNode::Impl {
  uv_loop_t loop{};
  raft_uv_transport tcp{};
  std::unique_ptr<PeerFilter> filter;
  raft_io io{};
  raft_fsm fsm{};
  struct raft raft{};
  StateMachine* machine = nullptr;
  std::string fatal;
  uv_timer_t limit{};  // bounds run_until()
  bool loop_ready = false, tcp_ready = false, io_ready = false, raft_ready = false, closed = false;

  static Impl& of(raft_fsm* f) { return *static_cast<Impl*>(f->data); }

  static int apply_cb(raft_fsm* f, const raft_buffer* buf, void** result) {
    Impl& self = of(f);
    *result = nullptr;
    if (!self.fatal.empty()) return RAFT_IOERR;
    // libraft applies entries in order and counts last_applied after each.
    const std::uint64_t index = raft_last_applied(&self.raft) + 1;
    Status s = self.machine->apply(std::string_view(static_cast<const char*>(buf->base), buf->len), index);
    if (!s) {
      self.fatal = fmt::format("applying replicated entry {} failed: {}", index, s.message());
      spdlog::critical("{}", self.fatal);
      return RAFT_IOERR;
    }
    return 0;
  }

  static int snapshot_cb(raft_fsm* f, raft_buffer* bufs[], unsigned* n_bufs) {
    Impl& self = of(f);
    auto snap = self.machine->snapshot();
    if (!snap) {
      spdlog::error("snapshot failed: {}", snap.error());
      return RAFT_IOERR;
    }
    auto* arr = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
    void* base = raft_malloc(snap->size());
    if (!arr || !base) {
      raft_free(arr);
      raft_free(base);
      return RAFT_NOMEM;
    }
    std::memcpy(base, snap->data(), snap->size());
    arr[0].base = base;
    arr[0].len = snap->size();
    *bufs = arr;
    *n_bufs = 1;
    spdlog::info("snapshot taken at applied entry {} ({} bytes)", raft_last_applied(&self.raft), snap->size());
    return 0;
  }

  static int restore_cb(raft_fsm* f, raft_buffer* buf) {
    Impl& self = of(f);
    Status s = self.machine->restore(std::string_view(static_cast<const char*>(buf->base), buf->len));
    if (!s) {
      spdlog::error("restoring a snapshot failed: {}", s.message());
      return RAFT_IOERR;
    }
    raft_free(buf->base);  // ours on success
    return 0;
  }
};

namespace {

struct Request {
  std::function<void(Status)> done;
  union {
    struct raft_apply apply;
    struct raft_barrier barrier;
    struct raft_change change;
  };
  struct raft_transfer transfer;
  Request() : apply{} {}
};

Status raft_status(int rv, const char* what) {
  if (rv == 0) return Status::ok();
  return Status::error(fmt::format("{}: {}", what, raft_strerror(rv)));
}

void finish(Request* r, int status, const char* what) {
  auto done = std::move(r->done);
  delete r;
  if (done) done(raft_status(status, what));
}

}  // namespace

Status RaftNode::open(const RaftOptions& opts, StateMachine& machine, bool filter) {
  Impl& m = *impl_;
  m.machine = &machine;
  std::string self_address;
  for (const Peer& p : opts.peers)
    if (p.id == opts.id) self_address = p.address;
  if (self_address.empty()) return Status::error(fmt::format("ha.node_id {} is not among ha.peers", opts.id));
  if (int rv = uv_loop_init(&m.loop); rv != 0) return Status::error(fmt::format("libuv: {}", uv_strerror(rv)));
  m.loop_ready = true;
  uv_timer_init(&m.loop, &m.limit);
  if (int rv = raft_uv_tcp_init(&m.tcp, &m.loop); rv != 0) return raft_status(rv, "raft transport");
  m.tcp_ready = true;
  raft_uv_transport* transport = &m.tcp;
  if (filter) {
    if (int rv = raft_uv_tcp_set_bind_address(&m.tcp, self_address.c_str()); rv != 0)
      return Status::error(fmt::format("cannot use {} as the Raft address: {}", self_address, raft_strerror(rv)));
    auto f = PeerFilter::wrap(&m.tcp, opts.peers);
    if (!f) return f.status();
    m.filter = std::move(*f);
    transport = m.filter->transport();
  }
  if (int rv = raft_uv_init(&m.io, &m.loop, opts.dir.c_str(), transport); rv != 0)
    return Status::error(fmt::format("raft directory {}: {}", opts.dir, m.io.errmsg[0] ? m.io.errmsg : raft_strerror(rv)));
  m.io_ready = true;
  m.fsm.version = 1;
  m.fsm.data = &m;
  m.fsm.apply = &Impl::apply_cb;
  m.fsm.snapshot = &Impl::snapshot_cb;
  m.fsm.restore = &Impl::restore_cb;
  if (int rv = raft_init(&m.raft, &m.io, &m.fsm, opts.id, self_address.c_str()); rv != 0)
    return Status::error(fmt::format("raft: {}", raft_errmsg(&m.raft)));
  m.raft_ready = true;
  m.raft.data = &m;
  return Status::ok();
}

Result<std::unique_ptr<RaftNode>> RaftNode::start(const RaftOptions& opts, StateMachine& machine) {
  std::unique_ptr<RaftNode> node(new RaftNode(std::make_unique<Impl>()));  // its destructor undoes a failed open
  if (Status s = node->open(opts, machine, true); !s) return s;
  Impl& m = *node->impl_;

  raft_configuration conf;
  raft_configuration_init(&conf);
  for (const Peer& p : opts.peers) raft_configuration_add(&conf, p.id, p.address.c_str(), RAFT_VOTER);
  const int boot = raft_bootstrap(&m.raft, &conf);
  raft_configuration_close(&conf);
  if (boot == 0)
    spdlog::info("raft directory {} bootstrapped with {} members", opts.dir, opts.peers.size());
  else if (boot != RAFT_CANTBOOTSTRAP)
    return Status::error(fmt::format("bootstrapping {}: {}", opts.dir, raft_errmsg(&m.raft)));

  raft_set_election_timeout(&m.raft, opts.election_timeout_ms);
  raft_set_heartbeat_timeout(&m.raft, opts.heartbeat_ms);
  raft_set_pre_vote(&m.raft, true);
  raft_set_snapshot_threshold(&m.raft, opts.snapshot_threshold);
  raft_set_snapshot_trailing(&m.raft, opts.snapshot_trailing);
  raft_uv_set_connect_retry_delay(&m.io, 100);
  if (int rv = raft_start(&m.raft); rv != 0)
    return Status::error(fmt::format("starting raft in {}: {}", opts.dir, raft_errmsg(&m.raft)));
  return node;
}

Status RaftNode::recover(const RaftOptions& opts) {
  struct NoMachine final : StateMachine {
    Status apply(std::string_view, std::uint64_t) override { return Status::error("recovering"); }
    Result<std::string> snapshot() override { return Status::error("recovering"); }
    Status restore(std::string_view) override { return Status::ok(); }
  } none;
  RaftNode node(std::make_unique<Impl>());
  if (Status s = node.open(opts, none, false); !s) return s;
  Impl& m = *node.impl_;
  raft_configuration conf;
  raft_configuration_init(&conf);
  for (const Peer& p : opts.peers) raft_configuration_add(&conf, p.id, p.address.c_str(), RAFT_VOTER);
  const int rv = raft_recover(&m.raft, &conf);
  raft_configuration_close(&conf);
  if (rv != 0) return Status::error(fmt::format("recovering {}: {}", opts.dir, raft_errmsg(&m.raft)));
  return Status::ok();
}

RaftNode::RaftNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RaftNode::~RaftNode() {
  if (!impl_ || !impl_->loop_ready) return;
  Impl& m = *impl_;
  if (m.raft_ready) {
    raft_close(&m.raft, [](struct raft* r) {
      Impl& self = *static_cast<Impl*>(r->data);
      self.closed = true;
    });
    while (!m.closed) uv_run(&m.loop, UV_RUN_ONCE);
  }
  if (m.io_ready) raft_uv_close(&m.io);
  if (m.tcp_ready) raft_uv_tcp_close(&m.tcp);
  uv_close(reinterpret_cast<uv_handle_t*>(&m.limit), nullptr);
  uv_run(&m.loop, UV_RUN_DEFAULT);  // lets the closed handles go
  uv_loop_close(&m.loop);
}

int RaftNode::fd() const { return uv_backend_fd(&impl_->loop); }
long RaftNode::timeout_ms() const { return uv_backend_timeout(&impl_->loop); }
void RaftNode::run_nowait() { uv_run(&impl_->loop, UV_RUN_NOWAIT); }

void RaftNode::run_until(const std::function<bool()>& done, long max_ms) {
  Impl& m = *impl_;
  uv_update_time(&m.loop);
  const std::uint64_t end = uv_now(&m.loop) + static_cast<std::uint64_t>(std::max(0L, max_ms));
  // Our own timer bounds each blocking pass, so a quiet loop cannot hold us past `end`.
  uv_timer_start(&m.limit, [](uv_timer_t*) {}, static_cast<std::uint64_t>(std::max(0L, max_ms)), 0);
  while (!done()) {
    uv_update_time(&m.loop);
    if (uv_now(&m.loop) >= end) break;
    uv_run(&m.loop, UV_RUN_ONCE);
  }
  uv_timer_stop(&m.limit);
}

const std::string& RaftNode::fatal() const { return impl_->fatal; }
bool RaftNode::is_leader() const { return raft_state(&impl_->raft) == RAFT_LEADER; }
std::uint64_t RaftNode::id() const { return impl_->raft.id; }
std::uint64_t RaftNode::term() const { return impl_->raft.current_term; }

std::uint64_t RaftNode::leader_id() const {
  raft_id id = 0;
  const char* address = nullptr;
  raft_leader(&impl_->raft, &id, &address);
  return id;
}

std::string RaftNode::leader_address() const {
  raft_id id = 0;
  const char* address = nullptr;
  raft_leader(&impl_->raft, &id, &address);
  return address ? address : "";
}

Status RaftNode::propose(std::string_view entry, std::function<void(Status)> done) {
  raft_buffer buf;
  buf.len = entry.size();
  buf.base = raft_malloc(entry.size() ? entry.size() : 1);
  if (!buf.base) return Status::error("out of memory");
  std::memcpy(buf.base, entry.data(), entry.size());
  auto* r = new Request;
  r->done = std::move(done);
  r->apply.data = r;
  const int rv = raft_apply(&impl_->raft, &r->apply, &buf, 1, [](struct raft_apply* req, int status, void*) {
    finish(static_cast<Request*>(req->data), status, "replicating the journal");
  });
  if (rv != 0) {
    raft_free(buf.base);
    delete r;
    return raft_status(rv, "replicating the journal");
  }
  return Status::ok();
}

Status RaftNode::barrier(std::function<void(Status)> done) {
  auto* r = new Request;
  r->done = std::move(done);
  r->barrier.data = r;
  const int rv = raft_barrier(&impl_->raft, &r->barrier, [](struct raft_barrier* req, int status) {
    finish(static_cast<Request*>(req->data), status, "barrier");
  });
  if (rv != 0) {
    delete r;
    return raft_status(rv, "barrier");
  }
  return Status::ok();
}

Status RaftNode::transfer(std::uint64_t to) {
  auto* r = new Request;
  r->transfer.data = r;
  const int rv = raft_transfer(&impl_->raft, &r->transfer, to, [](struct raft_transfer* req) {
    delete static_cast<Request*>(req->data);
  });
  if (rv != 0) {
    delete r;
    return raft_status(rv, "leadership transfer");
  }
  return Status::ok();
}

Status RaftNode::add_voter(std::uint64_t id, const std::string& address, std::function<void(Status)> done) {
  // libraft adds a member as a spare, then promotes it once it has caught up.
  auto* r = new Request;
  r->done = [this, id, done = std::move(done)](Status s) mutable {
    if (!s) return done(s);
    auto* promote = new Request;
    promote->done = std::move(done);
    promote->change.data = promote;
    const int rv = raft_assign(&impl_->raft, &promote->change, id, RAFT_VOTER, [](struct raft_change* req, int status) {
      finish(static_cast<Request*>(req->data), status, "promoting the new member");
    });
    if (rv != 0) finish(promote, rv, "promoting the new member");
  };
  r->change.data = r;
  const int rv = raft_add(&impl_->raft, &r->change, id, address.c_str(), [](struct raft_change* req, int status) {
    finish(static_cast<Request*>(req->data), status, "adding the member");
  });
  if (rv != 0) {
    delete r;
    return raft_status(rv, "adding the member");
  }
  return Status::ok();
}

Status RaftNode::remove(std::uint64_t id, std::function<void(Status)> done) {
  auto* r = new Request;
  r->done = std::move(done);
  r->change.data = r;
  const int rv = raft_remove(&impl_->raft, &r->change, id, [](struct raft_change* req, int status) {
    finish(static_cast<Request*>(req->data), status, "removing the member");
  });
  if (rv != 0) {
    delete r;
    return raft_status(rv, "removing the member");
  }
  return Status::ok();
}

pb::HaReply RaftNode::describe() const {
  struct raft& r = impl_->raft;
  pb::HaReply out;
  out.set_node(r.id);
  static const char* const names[] = {"unavailable", "follower", "candidate", "leader"};
  const int st = raft_state(&r);
  out.set_state(st >= 0 && st <= 3 ? names[st] : "unknown");
  out.set_term(r.current_term);
  out.set_commit_index(r.commit_index);
  out.set_applied_index(raft_last_applied(&r));
  out.set_last_index(raft_last_index(&r));
  out.set_leader(leader_id());
  out.set_leader_address(leader_address());
  for (unsigned i = 0; i < r.configuration.n; ++i) {
    const raft_server& s = r.configuration.servers[i];
    pb::HaMember* m = out.add_members();
    m->set_id(s.id);
    m->set_address(s.address ? s.address : "");
    m->set_role(s.role == RAFT_VOTER ? "voter" : s.role == RAFT_STANDBY ? "standby" : "spare");
    m->set_leader(s.id == out.leader());
    if (st == RAFT_LEADER && r.leader_state.progress) m->set_match_index(r.leader_state.progress[i].match_index);
  }
  return out;
}

}  // namespace baton::ha
