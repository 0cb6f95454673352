#include "transport/security.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <array>
#include <fstream>
#include <vector>
#include <zmq_addon.hpp>

namespace baton::wire {

namespace {

constexpr std::size_t kZ85KeyLength = 40;

// The first line of `path` that is not blank or a comment, trimmed.
Result<std::string> key_line(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::error("cannot read key file " + path);
  std::string line;
  while (std::getline(in, line)) {
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    const auto e = line.find_last_not_of(" \t\r");
    return line.substr(b, e - b + 1);
  }
  return Status::error("key file " + path + " holds no key");
}

}  // namespace

bool is_z85_key(const std::string& text) {
  if (text.size() != kZ85KeyLength) return false;
  std::array<std::uint8_t, 32> raw{};
  return zmq_z85_decode(raw.data(), text.c_str()) != nullptr;
}

Result<CurveKeyPair> generate_keypair() {
  std::array<char, 41> pub{}, sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0)
    return Status::error(std::string("cannot make a CURVE key pair: ") + zmq_strerror(zmq_errno()));
  return CurveKeyPair{pub.data(), sec.data()};
}

Result<CurveKeyPair> load_secret_key(const std::string& path) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) return Status::error("cannot read key file " + path + ": it does not exist");
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    return Status::error("secret key file " + path + " is readable by others (mode " +
                         fmt::format("{:04o}", st.st_mode & 07777) + "); run chmod 600 " + path);
  auto line = key_line(path);
  if (!line) return line.status();
  if (!is_z85_key(*line)) return Status::error("key file " + path + " does not hold a 40-character Z85 secret key");
  std::array<char, 41> pub{};
  if (zmq_curve_public(pub.data(), line->c_str()) != 0)
    return Status::error("key file " + path + ": cannot derive the public key");
  return CurveKeyPair{pub.data(), *line};
}

Result<std::string> load_public_key(const std::string& key_or_path) {
  if (is_z85_key(key_or_path)) return key_or_path;
  auto line = key_line(key_or_path);
  if (!line) return Status::error("'" + key_or_path + "' is neither a 40-character Z85 public key nor a readable key file");
  if (!is_z85_key(*line)) return Status::error("key file " + key_or_path + " does not hold a 40-character Z85 public key");
  return *line;
}

Result<std::unique_ptr<ZapHandler>> ZapHandler::start(zmq::context_t& ctx, Decide decide) {
  std::unique_ptr<ZapHandler> h(new ZapHandler(ctx, std::move(decide)));
  try {
    h->sock_.bind("inproc://zeromq.zap.01");
  } catch (const zmq::error_t& e) {
    return Status::error(std::string("cannot start the authentication (ZAP) handler: ") + e.what());
  }
  return h;
}

ZapHandler::ZapHandler(zmq::context_t& ctx, Decide decide)
    : sock_(ctx, zmq::socket_type::rep), decide_(std::move(decide)) {
  sock_.set(zmq::sockopt::linger, 0);
}

void ZapHandler::handle(TimeMs now) {
  while (true) {
    std::vector<zmq::message_t> f;
    zmq::recv_result_t n;
    try {
      n = zmq::recv_multipart(sock_, std::back_inserter(f), zmq::recv_flags::dontwait);
    } catch (const zmq::error_t& e) {
      spdlog::warn("authentication request failed: {}", e.what());
      return;
    }
    if (!n) return;
    // version, request id, domain, address, routing id, mechanism, credentials...
    std::string status = "400", text = "refused", user;
    const std::string request_id = f.size() > 1 ? f[1].to_string() : "";
    if (f.size() >= 7 && f[0].to_string_view() == "1.0" && f[5].to_string_view() == "CURVE" && f[6].size() == 32) {
      std::array<char, 41> z85{};
      zmq_z85_encode(z85.data(), static_cast<const std::uint8_t*>(f[6].data()), 32);
      const std::string domain = f[2].to_string(), address = f[3].to_string(), key = z85.data();
      if (auto who = decide_(domain, key)) {
        status = "200";
        text = "OK";
        user = *who;
      } else {
        auto& last = last_refusal_log_[domain + "/" + key];
        if (last == 0 || now - last >= 60000) {
          spdlog::warn("refused a {} connection from {} with key {} (not authorized; logged once a minute per key)",
                       domain == "workers" ? "worker" : "client", address, key);
          last = now;
        }
      }
    } else {
      spdlog::warn("refused a connection that did not use CURVE (mechanism {})",
                   f.size() > 5 ? f[5].to_string() : std::string("?"));
    }
    std::array<zmq::const_buffer, 6> reply = {zmq::str_buffer("1.0"), zmq::buffer(request_id), zmq::buffer(status),
                                              zmq::buffer(text),       zmq::buffer(user),       zmq::const_buffer()};
    try {
      zmq::send_multipart(sock_, reply);
    } catch (const zmq::error_t& e) {
      spdlog::warn("authentication reply failed: {}", e.what());
    }
  }
}

}  // namespace baton::wire
