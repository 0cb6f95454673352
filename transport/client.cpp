#include "transport/client.h"

#include <chrono>

#include "transport/frame.h"

namespace baton::wire {

namespace {
TimeMs mono_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Client::Client(std::string endpoint, TimeMs timeout_ms)
    : endpoint_(std::move(endpoint)), timeout_ms_(timeout_ms), ctx_(1) {
  sock_ = std::make_unique<DealerSocket>(ctx_, endpoint_, make_identity("client"), 256u << 20);
}

Client::~Client() {
  sock_.reset();
  ctx_.close();
}

void Client::send(const pb::Envelope& env) { sock_->send(encode(env)); }

bool Client::recv_reply(std::uint64_t rid, pb::Envelope& reply, TimeMs deadline) {
  while (true) {
    const TimeMs left = deadline - mono_ms();
    if (left <= 0) return false;
    zmq::pollitem_t item{sock_->raw().handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(left));
    } catch (const zmq::error_t&) {
      continue;
    }
    while (auto msg = sock_->recv()) {
      if (msg->request_id() != rid) continue;  // a late reply to an earlier request
      reply = std::move(*msg);
      return true;
    }
  }
}

bool Client::call(pb::Envelope req, pb::Envelope& reply, ClientError& err) {
  const std::uint64_t rid = next_rid_++;
  req.set_request_id(rid);
  send(req);
  if (!recv_reply(rid, reply, mono_ms() + timeout_ms_)) {
    err = {3, "cannot reach the broker at " + endpoint_ + ": no reply within " + std::to_string(timeout_ms_ / 1000.0).substr(0, 4) +
                  "s (is it running? set --broker or BATON_BROKER)"};
    return false;
  }
  if (reply.has_reply() && !reply.reply().ok()) {
    std::string msg = reply.reply().error();
    for (const auto& m : reply.reply().messages()) msg += (msg.empty() ? "" : "\n") + m;
    err = {reply.reply().code() ? reply.reply().code() : 1, msg};
    return false;
  }
  return true;
}

bool Client::wait_for(pb::Envelope req, pb::Envelope& reply, ClientError& err, TimeMs overall_ms) {
  const std::uint64_t rid = next_rid_++;
  req.set_request_id(rid);
  const TimeMs start = mono_ms();
  TimeMs last_heard = start;
  std::string broker_id;
  send(req);
  pb::Envelope ping;
  ping.mutable_ping();
  std::uint64_t ping_rid = 0;
  TimeMs next_ping = start + 1000;
  while (true) {
    const TimeMs now = mono_ms();
    if (overall_ms > 0 && now - start >= overall_ms) {
      err = {1, "timed out"};
      return false;
    }
    if (now - last_heard > timeout_ms_) {
      err = {3, "lost the broker at " + endpoint_ + ": no reply for " + std::to_string(timeout_ms_ / 1000) + "s"};
      return false;
    }
    if (now >= next_ping) {
      ping_rid = next_rid_++;
      ping.set_request_id(ping_rid);
      send(ping);
      next_ping = now + 1000;
    }
    TimeMs wake = next_ping;
    if (overall_ms > 0) wake = std::min(wake, start + overall_ms);
    zmq::pollitem_t item{sock_->raw().handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(std::max<TimeMs>(1, wake - mono_ms())));
    } catch (const zmq::error_t&) {
      continue;
    }
    while (auto msg = sock_->recv()) {
      last_heard = mono_ms();
      if (msg->has_pong()) {
        // A different broker incarnation lost our wait: ask again.
        if (!broker_id.empty() && msg->pong().broker_id() != broker_id) send(req);
        broker_id = msg->pong().broker_id();
        continue;
      }
      if (msg->request_id() != rid) continue;
      if (msg->has_reply() && !msg->reply().ok()) {
        err = {msg->reply().code() ? msg->reply().code() : 1, msg->reply().error()};
        return false;
      }
      reply = std::move(*msg);
      return true;
    }
  }
}

}  // namespace baton::wire
