#include "transport/worker_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "transport/frame.h"

namespace baton::wire {

WorkerLoop::WorkerLoop(zmq::context_t& ctx, WorkerLoopOptions opts, WorkerEngine& engine, Outbox& out,
                       const Clock& clock)
    : ctx_(ctx), opts_(std::move(opts)), engine_(engine), out_(out), clock_(clock) {}

void WorkerLoop::connect(TimeMs now) {
  sock_ = std::make_unique<DealerSocket>(ctx_, opts_.broker, make_identity(opts_.identity_prefix), opts_.max_message,
                                         opts_.curve ? &*opts_.curve : nullptr);
  backlog_.clear();  // messages for the old connection; REGISTER carries the state again
  engine_.on_connected(now);
}

int WorkerLoop::run(const WorkerLoopHooks& hooks) {
  connect(clock_.now());
  spdlog::info("worker {} connecting to {}", engine_.config().name, opts_.broker);
  TimeMs next_watch = 0;
  bool unwanted = false;
  while (true) {
    TimeMs now = clock_.now();
    const TimeMs deadline = engine_.next_deadline();
    long timeout = deadline <= now ? 0 : static_cast<long>(std::min<TimeMs>(deadline - now, 1000));
    if (!backlog_.empty()) timeout = std::min<long>(timeout, 10);
    if (hooks.still_wanted && !unwanted)
      timeout = std::min<long>(timeout, static_cast<long>(std::max<TimeMs>(0, next_watch - now)));
    zmq::pollitem_t items[] = {
        {sock_->raw().handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, hooks.child_fd, ZMQ_POLLIN, 0},
        {nullptr, hooks.signal_fd, ZMQ_POLLIN, 0},
    };
    try {
      zmq::poll(items, 3, std::chrono::milliseconds(timeout));
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
    while (auto msg = sock_->recv()) engine_.on_message(*msg, now);
    engine_.on_tick(now);
    if (engine_.broker_lost(now)) {
      ++reconnects_;
      spdlog::warn("broker silent for too long; reconnecting to {} (attempt {})", opts_.broker, reconnects_);
      connect(now);
    } else if (engine_.registered()) {
      reconnects_ = 0;
    }
    send_all();
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

void WorkerLoop::send_all() {
  for (Outgoing& o : out_.take()) backlog_.push_back(std::move(o));
  while (!backlog_.empty()) {
    if (sock_->send(encode(backlog_.front().message)) != SendResult::Sent) break;
    backlog_.pop_front();
  }
}

}  // namespace baton::wire
