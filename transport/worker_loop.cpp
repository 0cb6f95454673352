#include "transport/worker_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "transport/client.h"
#include "transport/frame.h"

namespace baton::wire {

WorkerLoop::WorkerLoop(zmq::context_t& ctx, WorkerLoopOptions opts, WorkerEngine& engine, Outbox& out,
                       const Clock& clock)
    : ctx_(ctx),
      opts_(std::move(opts)),
      engine_(engine),
      out_(out),
      clock_(clock),
      brokers_(Client::split_endpoints(opts_.broker)) {}

void WorkerLoop::connect(TimeMs now) {
  if (monitor_) zmq_socket_monitor(sock_->raw().handle(), nullptr, 0);
  monitor_.reset();
  sock_ = std::make_unique<DealerSocket>(ctx_, brokers_[current_], make_identity(opts_.identity_prefix),
                                         opts_.max_message, opts_.curve ? &*opts_.curve : nullptr);
  // With several brokers, a broker that goes away (its connection closed
  // or refused) sends us to the next at once, not after `liveness` beats.
  if (brokers_.size() > 1) {
    const std::string mon = "inproc://worker-monitor-" + std::to_string(++monitors_);
    if (zmq_socket_monitor(sock_->raw().handle(), mon.c_str(), ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_RETRIED) == 0) {
      monitor_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::pair);
      monitor_->set(zmq::sockopt::linger, 0);
      monitor_->connect(mon);
    }
  }
  backlog_.clear();  // messages for the old connection; REGISTER carries the state again
  engine_.on_connected(now);
}

int WorkerLoop::run(const WorkerLoopHooks& hooks) {
  connect(clock_.now());
  spdlog::info("worker {} connecting to {}", engine_.config().name, brokers_[current_]);
  TimeMs next_watch = 0;
  bool unwanted = false;
  while (true) {
    TimeMs now = clock_.now();
    const TimeMs deadline = engine_.next_deadline();
    long timeout = deadline <= now ? 0 : static_cast<long>(std::min<TimeMs>(deadline - now, 1000));
    if (!backlog_.empty()) timeout = std::min<long>(timeout, 10);
    if (rotate_at_ != 0) timeout = std::min<long>(timeout, std::max<long>(0, static_cast<long>(rotate_at_ - now)));
    if (hooks.still_wanted && !unwanted)
      timeout = std::min<long>(timeout, static_cast<long>(std::max<TimeMs>(0, next_watch - now)));
    zmq::pollitem_t items[] = {
        {sock_->raw().handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, hooks.child_fd, ZMQ_POLLIN, 0},
        {nullptr, hooks.signal_fd, ZMQ_POLLIN, 0},
        {monitor_ ? monitor_->handle() : nullptr, 0, ZMQ_POLLIN, 0},
    };
    try {
      zmq::poll(items, monitor_ ? 4 : 3, std::chrono::milliseconds(timeout));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) spdlog::warn("poll failed: {}", e.what());
    }
    now = clock_.now();
    if (items[2].revents & ZMQ_POLLIN) hooks.on_signal();
    if (items[1].revents & ZMQ_POLLIN)
      for (const ProcessExit& e : hooks.reap()) engine_.on_exit(e, now);
    if (hooks.still_wanted && !unwanted && now >= next_watch) {
      next_watch = now + hooks.watch_period_ms;
      if (!hooks.still_wanted()) {
        unwanted = true;
        engine_.drain(now);
        engine_.drain(now);  // the second request hands running tasks back at once
      }
    }
    if (monitor_ && (items[3].revents & ZMQ_POLLIN)) {
      zmq::message_t event, where;
      while (monitor_->recv(event, zmq::recv_flags::dontwait)) {
        (void)monitor_->recv(where, zmq::recv_flags::dontwait);
        if (rotate_at_ == 0) rotate_at_ = std::max(now, last_rotate_ + 200);
      }
    }
    while (auto msg = sock_->recv()) {
      if (msg->has_not_leader()) {
        // A standby: move on, at most five times a second while an election runs.
        if (brokers_.size() > 1 && rotate_at_ == 0) rotate_at_ = std::max(now, last_rotate_ + 200);
        if (brokers_.size() == 1)
          spdlog::warn("the broker at {} is a standby; list every broker of the cluster in --broker", brokers_[0]);
        continue;
      }
      if (current_term(*msg)) engine_.on_message(*msg, now);
    }
    engine_.on_tick(now);
    if (rotate_at_ != 0 && now >= rotate_at_) {
      rotate_at_ = 0;
      last_rotate_ = now;
      current_ = (current_ + 1) % brokers_.size();
      spdlog::info("that broker is a standby or gone; trying {}", brokers_[current_]);
      connect(now);
    } else if (engine_.broker_lost(now)) {
      ++reconnects_;
      if (brokers_.size() > 1) current_ = (current_ + 1) % brokers_.size();
      spdlog::warn("broker silent for too long; reconnecting to {} (attempt {})", brokers_[current_], reconnects_);
      connect(now);
    } else if (engine_.registered()) {
      reconnects_ = 0;
    }
    send_all(now);
    if (hooks.on_turn) hooks.on_turn();
    if (engine_.done(now)) {
      pb::Envelope bye;
      bye.mutable_disconnect()->set_reason("worker stopped");
      sock_->raw().set(zmq::sockopt::linger, 1000);
      sock_->send(encode(bye));
      spdlog::info("worker {} stopped", engine_.config().name);
      return 0;
    }
  }
}

bool WorkerLoop::current_term(const pb::Envelope& msg) {
  if (msg.term() < term_) {
    spdlog::warn("ignored {} from a broker of term {}: a broker of term {} leads now", body_name(msg), msg.term(), term_);
    return false;
  }
  term_ = msg.term();
  return true;
}

void WorkerLoop::send_all(TimeMs now) {
  if (!engine_.hold_output(now))
    for (Outgoing& o : out_.take()) backlog_.push_back(std::move(o));
  while (!backlog_.empty()) {
    if (sock_->send(encode(backlog_.front().message)) != SendResult::Sent) break;
    backlog_.pop_front();
  }
}

}  // namespace baton::wire
