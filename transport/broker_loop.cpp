#include "transport/broker_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "transport/frame.h"

namespace baton::wire {

BrokerLoop::BrokerLoop(zmq::context_t& ctx, BrokerLoopOptions opts, std::unique_ptr<BrokerEngine> engine,
                       Outbox& out, const Clock& clock, JournalHooks journal, ClientHook hook)
    : opts_(std::move(opts)),
      engine_(std::move(engine)),
      out_(out),
      clock_(clock),
      journal_(std::move(journal)),
      hook_(std::move(hook)),
      clients_(ctx, opts_.max_message),
      workers_(ctx, opts_.max_message),
      ctx_(ctx) {}

Status BrokerLoop::secure(std::string secret_z85, ZapHandler::Decide decide) {
  auto zap = ZapHandler::start(ctx_, std::move(decide));
  if (!zap) return zap.status();
  zap_ = std::move(*zap);
  secret_z85_ = std::move(secret_z85);
  return Status::ok();
}

Status BrokerLoop::bind() {
  if (!zap_) {
    if (auto s = clients_.bind(opts_.clients); !s) return s;
    return workers_.bind(opts_.workers);
  }
  const ServerCurve for_clients{secret_z85_, "clients"}, for_workers{secret_z85_, "workers"};
  if (auto s = clients_.bind(opts_.clients, &for_clients); !s) return s;
  return workers_.bind(opts_.workers, &for_workers);
}

Requester BrokerLoop::identify(const Incoming& in) const {
  Requester who;
  if (!zap_) return who;  // no keys: requests are trusted (see Requester)
  const auto colon = in.user_id.find(':');
  who.authenticated = true;
  who.admin = in.user_id.compare(0, colon, "admin") == 0;
  who.user = colon == std::string::npos ? in.user_id : in.user_id.substr(colon + 1);
  return who;
}

bool BrokerLoop::changes_state(const pb::Envelope& msg) {
  switch (msg.body_case()) {
    case pb::Envelope::kSubmit:
    case pb::Envelope::kCancel:
    case pb::Envelope::kHold:
    case pb::Envelope::kUpdate: return true;
    case pb::Envelope::kWorkers: return !msg.workers().drain().empty() || !msg.workers().resume().empty();
    default: return false;
  }
}

void BrokerLoop::watch(std::function<bool()> still_reachable, TimeMs period_ms) {
  watch_ = std::move(still_reachable);
  watch_period_ = std::max<TimeMs>(1, period_ms);
}

int BrokerLoop::run(int signal_fd, const std::function<bool()>& on_signal) {
  bool stop = false;
  while (!stop) {
    TimeMs now = clock_.now();
    long timeout;
    if (!engine_) {
      timeout = 1000;
    } else if (read_only_.empty()) {
      const TimeMs deadline = engine_->next_deadline();
      timeout = deadline <= now ? 0 : static_cast<long>(std::min<TimeMs>(deadline - now, 1000));
    } else {
      timeout = next_probe_ <= now ? 0 : static_cast<long>(next_probe_ - now);
    }
    if (!backlog_.empty()) timeout = std::min<long>(timeout, 10);
    if (repl_ && repl_->timeout_ms() >= 0) timeout = std::min(timeout, repl_->timeout_ms());
    if (watch_) timeout = std::min<long>(timeout, static_cast<long>(std::max<TimeMs>(0, next_watch_ - now)));
    zmq::pollitem_t items[] = {
        {clients_.raw().handle(), 0, ZMQ_POLLIN, 0},
        {workers_.raw().handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, signal_fd, ZMQ_POLLIN, 0},
        {nullptr, repl_ ? repl_->fd() : -1, ZMQ_POLLIN, 0},
        {zap_ ? zap_->raw().handle() : nullptr, 0, ZMQ_POLLIN, 0},
    };
    try {
      zmq::poll(items, zap_ ? 5 : 4, std::chrono::milliseconds(timeout));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) spdlog::warn("poll failed: {}", e.what());
    }
    now = clock_.now();  // read once per turn
    if (items[2].revents & ZMQ_POLLIN) stop = on_signal();
    if (zap_ && (items[4].revents & ZMQ_POLLIN)) zap_->handle(now);
    if (repl_) {
      repl_->run_nowait();
      if (!repl_->fatal().empty()) return 1;
      if (!repl_->active()) {
        if (engine_) stand_down("no longer the leader");
        standby_turn();
        send_all(now);
        continue;
      }
      if (!engine_) {
        if (!rebuild(now)) return 1;
        spdlog::info("leader for term {}: serving {} jobs (workers re-attach their running tasks)", repl_->term(),
                     engine_->jobs().size());
      }
    }
    if (!(read_only_.empty() ? turn(now) : read_only_turn(now))) return 1;
    send_all(now);
    if (watch_ && now >= next_watch_) {
      next_watch_ = now + watch_period_;
      if (!watch_()) stop = true;
    }
  }
  // Last words to workers are not needed: they notice the silence and keep
  // their tasks running until a broker is back.
  spdlog::info("broker stopped");
  return 0;
}

void BrokerLoop::stand_down(const char* why) {
  spdlog::warn("standing by ({}): the engine is dropped, with everything it had not sent", why);
  engine_.reset();
  (void)out_.take();
  backlog_.clear();
  turn_requests_.clear();
  journal_.abandon();
}

void BrokerLoop::standby_turn() {
  const std::string hint = repl_->leader_hint();
  auto not_leader = [&](pb::Envelope& env) {
    pb::Reply* r = env.mutable_reply();
    r->set_ok(false);
    r->set_code(3);
    r->set_not_leader(true);
    r->set_leader_hint(hint);
    r->set_error(hint.empty() ? "this broker is a standby and the cluster has no leader yet; try again"
                              : "this broker is a standby; the leader is " + hint);
  };
  for (std::size_t i = 0; i < opts_.max_per_turn; ++i) {
    auto in = workers_.recv();
    if (!in) break;
    if (in->msg.has_disconnect()) continue;
    pb::Envelope env;
    env.mutable_not_leader()->set_leader_hint(hint);
    out_.send(Channel::Worker, in->peer, std::move(env));
  }
  for (std::size_t i = 0; i < opts_.max_per_turn; ++i) {
    auto in = clients_.recv();
    if (!in) break;
    if (repl_->serve(in->peer, in->msg, out_)) continue;
    pb::Envelope env;
    env.set_request_id(in->msg.request_id());
    not_leader(env);
    out_.send(Channel::Client, in->peer, std::move(env));
  }
}

bool BrokerLoop::turn(TimeMs now) {
  turn_requests_.clear();
  for (std::size_t i = 0; i < opts_.max_per_turn; ++i) {
    auto in = workers_.recv();
    if (!in) break;
    engine_->on_worker_message(in->peer, in->msg, now);
  }
  for (std::size_t i = 0; i < opts_.max_per_turn; ++i) {
    auto in = clients_.recv();
    if (!in) break;
    // Kept for a failed commit: changing requests by id only.
    Incoming& kept = turn_requests_.emplace_back(Incoming{in->peer, {}, in->user_id});
    if (changes_state(in->msg)) kept.msg.set_request_id(in->msg.request_id());
    else kept.msg = in->msg;
    serve(*in, now);
  }
  using Steady = std::chrono::steady_clock;
  const auto t0 = Steady::now();
  engine_->on_tick(now);
  const auto t1 = Steady::now();
  if (Status s = journal_.commit(); !s) {
    if (!repl_) return enter_read_only(s, now);
    // Not committed by the cluster, or not known to be: nothing of the turn
    // leaves, and the next leader rebuilds from what the log holds.
    spdlog::error("journal commit failed: {}", s.message());
    if (repl_->active()) repl_->step_down();
    stand_down("a replicated commit failed");
    return true;
  }
  if (turn_hook_) {
    const std::chrono::duration<double> tick = t1 - t0, commit = Steady::now() - t1;
    turn_hook_(*engine_, TurnReport{now, true, tick.count(), commit.count()}, out_);
  }
  return true;
}

bool BrokerLoop::enter_read_only(const Status& why, TimeMs now) {
  // Nothing this turn produced may leave: it is not durable. Sends queued by
  // earlier (committed) turns stay in the backlog.
  (void)out_.take();
  if (read_only_.empty())
    spdlog::error("journal commit failed: {}. The broker is read-only until it can write again: changes are "
                  "refused, nothing that was acknowledged is lost.",
                  why.message());
  read_only_ = why.message();
  next_probe_ = now + opts_.probe_interval_ms;
  if (!rebuild(now)) return false;
  journal_.abandon();  // the rebuild's own writes wait for the journal to be writable
  (void)out_.take();
  for (Incoming& r : turn_requests_) {
    if (r.msg.body_case() == pb::Envelope::BODY_NOT_SET) refuse(r.peer, r.msg.request_id());
    else serve(r, now);
  }
  turn_requests_.clear();
  return true;
}

bool BrokerLoop::rebuild(TimeMs now) {
  auto rebuilt = journal_.rebuild(now);
  if (!rebuilt) {
    spdlog::critical("cannot read the journal back: {}; stopping", rebuilt.error());
    return false;
  }
  engine_ = std::move(*rebuilt);
  return true;
}

void BrokerLoop::serve(const Incoming& in, TimeMs now) {
  if (repl_ && repl_->serve(in.peer, in.msg, out_)) return;
  const Requester who = identify(in);
  if (hook_ && hook_(in.peer, in.msg, who, out_)) return;
  engine_->on_client_message(in.peer, in.msg, now, who);
}

void BrokerLoop::refuse(const std::string& peer, std::uint64_t request_id) {
  pb::Envelope env;
  env.set_request_id(request_id);
  pb::Reply* r = env.mutable_reply();
  r->set_ok(false);
  r->set_code(1);
  r->set_error("the broker cannot write its journal (" + read_only_ +
               "); it refuses changes until it can write again. Nothing it acknowledged is lost; "
               "free space on the journal's file system, or fix the disk, and try again");
  out_.send(Channel::Client, peer, std::move(env));
}

bool BrokerLoop::read_only_turn(TimeMs now) {
  // Workers keep their tasks and unacknowledged results; they re-register
  // with the rebuilt engine once the journal is writable.
  for (std::size_t i = 0; i < opts_.max_per_turn; ++i)
    if (!workers_.recv()) break;
  for (std::size_t i = 0; i < opts_.max_per_turn; ++i) {
    auto in = clients_.recv();
    if (!in) break;
    if (changes_state(in->msg)) {
      refuse(in->peer, in->msg.request_id());
      continue;
    }
    serve(*in, now);
  }
  journal_.abandon();  // views write nothing; keep it that way
  if (turn_hook_) turn_hook_(*engine_, TurnReport{now, false, 0, 0}, out_);
  if (now < next_probe_) return true;
  next_probe_ = now + opts_.probe_interval_ms;
  if (Status s = journal_.probe(); !s) {
    spdlog::debug("journal still not writable: {}", s.message());
    return true;
  }
  if (!rebuild(now)) return false;
  read_only_.clear();
  spdlog::warn("the journal is writable again; the broker accepts changes (workers re-register and keep their tasks)");
  if (Status s = journal_.commit(); !s) return enter_read_only(s, now);
  return true;
}

void BrokerLoop::send_all(TimeMs now) {
  for (Outgoing& o : out_.take()) backlog_.push_back(std::move(o));
  std::size_t tries = backlog_.size();
  while (tries-- > 0 && !backlog_.empty()) {
    Outgoing o = std::move(backlog_.front());
    backlog_.pop_front();
    RouterSocket& sock = o.channel == Channel::Worker ? workers_ : clients_;
    if (repl_ && o.channel == Channel::Worker) o.message.set_term(repl_->term());  // fencing
    const SendResult r = sock.send(o.peer, encode(o.message));
    if (r == SendResult::Again) {
      backlog_.push_back(std::move(o));
    } else if (r == SendResult::Unroutable) {
      spdlog::debug("{} to a peer that is gone dropped", body_name(o.message));
      if (engine_) engine_->on_unroutable(o.channel, o.peer, o.message, now);
    }
  }
}

}  // namespace baton::wire
