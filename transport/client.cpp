#include "transport/client.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "transport/frame.h"

namespace baton::wire {

namespace {
TimeMs mono_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Client::Client(std::string endpoint, TimeMs timeout_ms, std::optional<ClientCurve> curve)
    : endpoint_(std::move(endpoint)), timeout_ms_(timeout_ms), ctx_(1), curve_(curve.has_value()) {
  sock_ = std::make_unique<DealerSocket>(ctx_, endpoint_, make_identity("client"), 256u << 20,
                                         curve ? &*curve : nullptr);
  // Handshake failures tell a refused key (or a missing one) from a broker
  // that is down, without waiting for the timeout.
  const std::string mon = "inproc://client-monitor";
  if (zmq_socket_monitor(sock_->raw().handle(), mon.c_str(),
                         ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                             ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) == 0) {
    monitor_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::pair);
    monitor_->set(zmq::sockopt::linger, 0);
    monitor_->connect(mon);
  }
}

Client::~Client() {
  if (monitor_) zmq_socket_monitor(sock_->raw().handle(), nullptr, 0);
  monitor_.reset();
  sock_.reset();
  ctx_.close();
}

bool Client::poll(TimeMs ms) {
  zmq::pollitem_t items[] = {{sock_->raw().handle(), 0, ZMQ_POLLIN, 0},
                             {monitor_ ? monitor_->handle() : nullptr, 0, ZMQ_POLLIN, 0}};
  try {
    zmq::poll(items, monitor_ ? 2 : 1, std::chrono::milliseconds(std::max<TimeMs>(0, ms)));
  } catch (const zmq::error_t&) {
    return false;
  }
  if (monitor_ && (items[1].revents & ZMQ_POLLIN)) {
    zmq::message_t event, where;
    if (monitor_->recv(event, zmq::recv_flags::dontwait) && event.size() >= 6) {
      (void)monitor_->recv(where, zmq::recv_flags::dontwait);
      std::uint16_t id;
      std::memcpy(&id, event.data(), sizeof id);
      if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        handshake_error_ = "the broker at " + endpoint_ +
                           " refused this client's key: ask its admin to add your public key (baton keygen "
                           "prints it) to security.authorized_clients";
      else if (curve_)
        handshake_error_ = "the broker at " + endpoint_ +
                           " failed the encrypted handshake: is security.broker_key its public key, and does it "
                           "use keys at all?";
      else
        handshake_error_ = "the broker at " + endpoint_ +
                           " requires a key (CURVE): set security.key (your secret key, from baton keygen) and "
                           "security.broker_key (the broker's public key)";
    }
  }
  return items[0].revents & ZMQ_POLLIN;
}

void Client::send(const pb::Envelope& env) { sock_->send(encode(env)); }

bool Client::recv_reply(std::uint64_t rid, pb::Envelope& reply, TimeMs deadline) {
  while (true) {
    const TimeMs left = deadline - mono_ms();
    if (left <= 0) return false;
    poll(left);
    if (!handshake_error_.empty()) return false;
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
    if (!handshake_error_.empty()) {
      err = {3, handshake_error_};
      return false;
    }
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

bool Client::wait_for(pb::Envelope req, pb::Envelope& reply, ClientError& err, TimeMs overall_ms, Probe* probe) {
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
  std::uint64_t probe_rid = 0;
  TimeMs next_probe = start;
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
    if (probe && now >= next_probe) {
      probe_rid = next_rid_++;
      probe->request.set_request_id(probe_rid);
      send(probe->request);
      next_probe = now + probe->every_ms;
    }
    TimeMs wake = probe ? std::min(next_ping, next_probe) : next_ping;
    if (overall_ms > 0) wake = std::min(wake, start + overall_ms);
    poll(std::max<TimeMs>(1, wake - mono_ms()));
    if (!handshake_error_.empty()) {
      err = {3, handshake_error_};
      return false;
    }
    while (auto msg = sock_->recv()) {
      last_heard = mono_ms();
      if (msg->has_pong()) {
        // A different broker incarnation lost our wait: ask again.
        if (!broker_id.empty() && msg->pong().broker_id() != broker_id) send(req);
        broker_id = msg->pong().broker_id();
        continue;
      }
      if (probe && probe_rid && msg->request_id() == probe_rid) {
        probe->on_reply(*msg);
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
