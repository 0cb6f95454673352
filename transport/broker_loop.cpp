#include "transport/broker_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "transport/frame.h"

namespace baton::wire {

BrokerLoop::BrokerLoop(zmq::context_t& ctx, BrokerLoopOptions opts, BrokerEngine& engine, Outbox& out,
                       const Clock& clock, Commit commit, ClientHook hook)
    : opts_(std::move(opts)),
      engine_(engine),
      out_(out),
      clock_(clock),
      commit_(std::move(commit)),
      hook_(std::move(hook)),
      clients_(ctx, opts_.max_message),
      workers_(ctx, opts_.max_message) {}

Status BrokerLoop::bind() {
  if (auto s = clients_.bind(opts_.clients); !s) return s;
  return workers_.bind(opts_.workers);
}

int BrokerLoop::run(int signal_fd, const std::function<bool()>& on_signal) {
  bool stop = false;
  while (!stop) {
    TimeMs now = clock_.now();
    const TimeMs deadline = engine_.next_deadline();
    long timeout = deadline <= now ? 0 : static_cast<long>(std::min<TimeMs>(deadline - now, 1000));
    if (!backlog_.empty()) timeout = std::min<long>(timeout, 10);
    zmq::pollitem_t items[] = {
        {clients_.raw().handle(), 0, ZMQ_POLLIN, 0},
        {workers_.raw().handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, signal_fd, ZMQ_POLLIN, 0},
    };
    try {
      zmq::poll(items, 3, std::chrono::milliseconds(timeout));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) spdlog::warn("poll failed: {}", e.what());
    }
    now = clock_.now();  // read once per turn
    if (items[2].revents & ZMQ_POLLIN) stop = on_signal();
    for (std::size_t i = 0; i < opts_.max_per_turn; ++i) {
      auto in = workers_.recv();
      if (!in) break;
      engine_.on_worker_message(in->peer, in->msg, now);
    }
    for (std::size_t i = 0; i < opts_.max_per_turn; ++i) {
      auto in = clients_.recv();
      if (!in) break;
      if (hook_ && hook_(in->peer, in->msg, out_)) continue;
      engine_.on_client_message(in->peer, in->msg, now);
    }
    engine_.on_tick(now);
    if (Status s = commit_(); !s) {
      spdlog::critical("journal commit failed: {}; stopping without acknowledging this turn's work", s.message());
      return 1;
    }
    send_all(now);
  }
  // Last words to workers are not needed: they notice the silence and keep
  // their tasks running until a broker is back.
  spdlog::info("broker stopped");
  return 0;
}

void BrokerLoop::send_all(TimeMs now) {
  for (Outgoing& o : out_.take()) backlog_.push_back(std::move(o));
  std::size_t tries = backlog_.size();
  while (tries-- > 0 && !backlog_.empty()) {
    Outgoing o = std::move(backlog_.front());
    backlog_.pop_front();
    RouterSocket& sock = o.channel == Channel::Worker ? workers_ : clients_;
    const SendResult r = sock.send(o.peer, encode(o.message));
    if (r == SendResult::Again) {
      backlog_.push_back(std::move(o));
    } else if (r == SendResult::Unroutable) {
      spdlog::debug("{} to a peer that is gone dropped", body_name(o.message));
      engine_.on_unroutable(o.channel, o.peer, o.message, now);
    }
  }
}

}  // namespace baton::wire
