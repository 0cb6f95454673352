#include "transport/client.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "transport/frame.h"

namespace baton::wire {

namespace {
TimeMs mono_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

std::vector<std::string> Client::split_endpoints(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string item = list.substr(start, comma - start);
    const auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    start = comma + 1;
  }
  if (out.empty()) out.push_back(list);
  return out;
}

Client::Client(std::string endpoints, TimeMs timeout_ms, std::optional<ClientCurve> curve)
    : endpoints_(split_endpoints(endpoints)), timeout_ms_(timeout_ms), curve_key_(std::move(curve)), ctx_(1),
      curve_(curve_key_.has_value()) {
  connect(0);
}

void Client::connect(std::size_t i) {
  if (monitor_) zmq_socket_monitor(sock_->raw().handle(), nullptr, 0);
  monitor_.reset();
  sock_.reset();
  current_ = i;
  endpoint_ = endpoints_[i];
  handshake_error_.clear();
  sock_ = std::make_unique<DealerSocket>(ctx_, endpoint_, make_identity("client"), 256u << 20,
                                         curve_key_ ? &*curve_key_ : nullptr);
  // Handshake failures tell a refused key (or a missing one) from a broker
  // that is down, without waiting for the timeout.
  const std::string mon = "inproc://client-monitor-" + std::to_string(i) + "-" + std::to_string(next_rid_);
  // With a list of brokers, a refused connection (a broker that is down)
  // moves us to the next one at once.
  refused_ = false;
  const int retried = replicated() ? ZMQ_EVENT_CONNECT_RETRIED : 0;
  if (zmq_socket_monitor(sock_->raw().handle(), mon.c_str(),
                         ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                             ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | retried) == 0) {
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
      if (id == ZMQ_EVENT_CONNECT_RETRIED || (replicated() && id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL))
        refused_ = true;  // down, or going down (a reset mid-handshake): the next broker, please
      else if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
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
    if (!handshake_error_.empty() || refused_) return false;
    while (auto msg = sock_->recv()) {
      if (msg->request_id() != rid) continue;  // a late reply to an earlier request
      reply = std::move(*msg);
      return true;
    }
  }
}

namespace {

bool not_leader(const pb::Envelope& msg) { return msg.has_reply() && msg.reply().not_leader(); }

std::string random_token() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", rd(), rd(), rd(), rd());
}

}  // namespace

bool Client::call(pb::Envelope req, pb::Envelope& reply, ClientError& err) {
  const TimeMs deadline = mono_ms() + timeout_ms_;
  if (replicated() && req.has_submit() && req.submit().spec().submit_token().empty())
    req.mutable_submit()->mutable_spec()->set_submit_token(random_token());
  std::string hint;
  std::size_t tried = 0;
  while (true) {
    const std::uint64_t rid = next_rid_++;
    req.set_request_id(rid);
    send(req);
    const TimeMs try_end = replicated() ? std::min(deadline, mono_ms() + kTryMs) : deadline;
    const bool answered = recv_reply(rid, reply, try_end);
    if (!handshake_error_.empty()) {
      err = {3, handshake_error_};
      return false;
    }
    if (answered && !not_leader(reply)) break;
    if (answered) hint = reply.reply().leader_hint();
    if (!replicated() || mono_ms() >= deadline) {
      if (answered) {
        err = {3, "the broker at " + endpoint_ + " answered: " + reply.reply().error() +
                      (replicated() ? "" : "; list every broker of the cluster in client.broker (or --broker)")};
        return false;
      }
      err = {3, "cannot reach the broker at " + endpoint_ + ": no reply within " + fmt::format("{:.1f}", timeout_ms_ / 1000.0) +
                    "s (is it running? set --broker or BATON_BROKER)"};
      if (replicated()) err.message = "no broker of " + fmt::format("{}", fmt::join(endpoints_, ",")) + " answered within " +
                                      fmt::format("{:.1f}", timeout_ms_ / 1000.0) + "s";
      return false;
    }
    // Round the list; after a whole round of standbys, give the cluster a
    // moment to elect.
    next_endpoint();
    if (++tried % endpoints_.size() == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<TimeMs>(100, std::max<TimeMs>(0, deadline - mono_ms()))));
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
  TimeMs last_switch = start;
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
      err = {3, replicated() ? "lost the brokers: none of the list served the request for " +
                                   std::to_string(timeout_ms_ / 1000) + "s"
                             : "lost the broker at " + endpoint_ + ": no reply for " +
                                   std::to_string(timeout_ms_ / 1000) + "s"};
      return false;
    }
    // A replicated cluster: a broker silent for kTryMs (or a standby, below)
    // makes us ask the next one; the new leader is a new incarnation, so the
    // request is sent again there.
    if (replicated() && ((refused_ && now - last_switch >= 100) || now - std::max(last_heard, last_switch) > kTryMs)) {
      next_endpoint();
      last_switch = now;
      broker_id.clear();
      send(req);
      next_ping = now;
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
      if (not_leader(*msg)) {
        // A standby: try the next broker (not faster than ten a second, while an election runs).
        if (const TimeMs since = mono_ms() - last_switch; since < 100)
          std::this_thread::sleep_for(std::chrono::milliseconds(100 - since));
        next_endpoint();
        last_switch = mono_ms();
        broker_id.clear();
        send(req);
        next_ping = last_switch;
        break;
      }
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
