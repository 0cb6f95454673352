#include "transport/sockets.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <random>
#include <vector>
#include <zmq_addon.hpp>

#include "transport/frame.h"

namespace baton::wire {

namespace {

void common_options(zmq::socket_t& s, std::size_t max_message) {
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(max_message));
  s.set(zmq::sockopt::sndhwm, 100000);
  s.set(zmq::sockopt::rcvhwm, 100000);
}

}  // namespace

std::string make_identity(const std::string& prefix) {
  std::random_device rd;
  std::mt19937_64 rng((std::uint64_t(rd()) << 32) ^ rd() ^ std::uint64_t(getpid()));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d-%08llx", static_cast<int>(getpid()), static_cast<unsigned long long>(rng() & 0xffffffffu));
  return prefix + "/" + buf;
}

RouterSocket::RouterSocket(zmq::context_t& ctx, std::size_t max_message) : sock_(ctx, zmq::socket_type::router) {
  common_options(sock_, max_message);
  sock_.set(zmq::sockopt::router_mandatory, 1);
  sock_.set(zmq::sockopt::router_handover, 1);
}

Status RouterSocket::bind(const std::string& endpoint, const ServerCurve* curve) {
  try {
    if (curve) {
      sock_.set(zmq::sockopt::curve_server, 1);
      sock_.set(zmq::sockopt::curve_secretkey, curve->secret_z85);
      sock_.set(zmq::sockopt::zap_domain, curve->zap_domain);
      curve_ = true;
    }
    sock_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return Status::error("cannot listen on " + endpoint + ": " + e.what());
  }
  endpoint_ = sock_.get(zmq::sockopt::last_endpoint);
  return Status::ok();
}

std::optional<Incoming> RouterSocket::recv() {
  while (true) {
    std::vector<zmq::message_t> frames;
    zmq::recv_result_t n;
    try {
      n = zmq::recv_multipart(sock_, std::back_inserter(frames), zmq::recv_flags::dontwait);
    } catch (const zmq::error_t& e) {
      spdlog::warn("receive on {} failed: {}", endpoint_, e.what());
      return std::nullopt;
    }
    if (!n) return std::nullopt;
    if (frames.size() != 3) {
      spdlog::warn("dropped a message of {} frames on {} (expected identity, BTN1, body)", frames.size(), endpoint_);
      continue;
    }
    auto env = decode(frames[1].to_string_view(), frames[2].to_string_view());
    if (!env) {
      spdlog::warn("dropped a message on {}: {}", endpoint_, env.error());
      continue;
    }
    Incoming in{frames[0].to_string(), std::move(*env), {}};
    if (curve_) {
      const char* user = zmq_msg_gets(frames[2].handle(), "User-Id");
      if (user) in.user_id = user;
    }
    return in;
  }
}

SendResult RouterSocket::send(const std::string& peer, const std::string& bytes) {
  try {
    if (!sock_.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return SendResult::Again;
    sock_.send(zmq::buffer(kSignature), zmq::send_flags::sndmore);
    sock_.send(zmq::buffer(bytes), zmq::send_flags::none);
    return SendResult::Sent;
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH) return SendResult::Unroutable;
    if (e.num() == EAGAIN) return SendResult::Again;
    spdlog::warn("send on {} failed: {}", endpoint_, e.what());
    return SendResult::Unroutable;
  }
}

DealerSocket::DealerSocket(zmq::context_t& ctx, const std::string& endpoint, const std::string& identity,
                           std::size_t max_message, const ClientCurve* curve)
    : sock_(ctx, zmq::socket_type::dealer) {
  common_options(sock_, max_message);
  if (curve) {
    sock_.set(zmq::sockopt::curve_serverkey, curve->server_public_z85);
    sock_.set(zmq::sockopt::curve_publickey, curve->own.public_z85);
    sock_.set(zmq::sockopt::curve_secretkey, curve->own.secret_z85);
  }
  sock_.set(zmq::sockopt::routing_id, identity);
  sock_.set(zmq::sockopt::reconnect_ivl, 100);
  sock_.set(zmq::sockopt::reconnect_ivl_max, 5000);
  sock_.connect(endpoint);
}

std::optional<pb::Envelope> DealerSocket::recv() {
  while (true) {
    std::vector<zmq::message_t> frames;
    zmq::recv_result_t n;
    try {
      n = zmq::recv_multipart(sock_, std::back_inserter(frames), zmq::recv_flags::dontwait);
    } catch (const zmq::error_t& e) {
      spdlog::warn("receive failed: {}", e.what());
      return std::nullopt;
    }
    if (!n) return std::nullopt;
    if (frames.size() != 2) {
      spdlog::warn("dropped a message of {} frames from the broker (expected BTN1, body)", frames.size());
      continue;
    }
    auto env = decode(frames[0].to_string_view(), frames[1].to_string_view());
    if (!env) {
      spdlog::warn("dropped a message from the broker: {}", env.error());
      continue;
    }
    return std::move(*env);
  }
}

SendResult DealerSocket::send(const std::string& bytes) {
  try {
    if (!sock_.send(zmq::buffer(kSignature), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return SendResult::Again;
    sock_.send(zmq::buffer(bytes), zmq::send_flags::none);
    return SendResult::Sent;
  } catch (const zmq::error_t& e) {
    if (e.num() == EAGAIN) return SendResult::Again;
    spdlog::warn("send to the broker failed: {}", e.what());
    return SendResult::Again;
  }
}

}  // namespace baton::wire
