// PeerFilter: a raft_uv_transport that forwards to libraft's TCP transport
// and refuses incoming connections from addresses that are not peers'.
#include "ha/peer_filter.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <netdb.h>
#include <sys/socket.h>

// libraft 0.15 headers declare no C linkage of their own.
extern "C" {
#include <raft.h>
#include <raft/uv.h>
}
#include <uv.h>

namespace baton::ha {

struct PeerFilter::Impl {
  raft_uv_transport outer{};   // handed to raft_uv_init; libraft sets outer.data
  raft_uv_transport* inner = nullptr;
  raft_uv_accept_cb accept = nullptr;
  raft_uv_transport_close_cb close_cb = nullptr;
  PeerFilter* self = nullptr;

  static Impl& of(raft_uv_transport* t) { return *static_cast<Impl*>(t->impl); }
  // The inner transport reaches us through its user data.
  static Impl& of_inner(raft_uv_transport* t) { return *static_cast<Impl*>(t->data); }

  static std::string peer_ip(uv_stream_t* stream) {
    sockaddr_storage sa{};
    int len = sizeof sa;
    if (uv_tcp_getpeername(reinterpret_cast<uv_tcp_t*>(stream), reinterpret_cast<sockaddr*>(&sa), &len) != 0)
      return "";
    char host[NI_MAXHOST];
    if (getnameinfo(reinterpret_cast<sockaddr*>(&sa), static_cast<socklen_t>(len), host, sizeof host, nullptr, 0,
                    NI_NUMERICHOST) != 0)
      return "";
    return host;
  }

  static void on_accept(raft_uv_transport* inner, raft_id id, const char* address, uv_stream_t* stream) {
    Impl& m = of_inner(inner);
    const std::string ip = peer_ip(stream);
    if (!m.self->allows(ip)) {
      spdlog::warn("refused a Raft connection from {} (claiming to be node {} at {}): not a configured peer",
                   ip.empty() ? "an unknown address" : ip, id, address ? address : "?");
      uv_close(reinterpret_cast<uv_handle_t*>(stream), [](uv_handle_t* h) { raft_free(h); });
      return;
    }
    m.accept(&m.outer, id, address, stream);
  }

  static int init(raft_uv_transport* t, raft_id id, const char* address) {
    Impl& m = of(t);
    return m.inner->init(m.inner, id, address);
  }
  static int listen(raft_uv_transport* t, raft_uv_accept_cb cb) {
    Impl& m = of(t);
    m.accept = cb;
    return m.inner->listen(m.inner, &Impl::on_accept);
  }
  static int connect(raft_uv_transport* t, raft_uv_connect* req, raft_id id, const char* address,
                     raft_uv_connect_cb cb) {
    Impl& m = of(t);
    return m.inner->connect(m.inner, req, id, address, cb);
  }
  static void close(raft_uv_transport* t, raft_uv_transport_close_cb cb) {
    Impl& m = of(t);
    m.close_cb = cb;
    m.inner->close(m.inner, [](raft_uv_transport* inner) {
      Impl& mm = of_inner(inner);
      if (mm.close_cb) mm.close_cb(&mm.outer);
    });
  }
};

Result<std::vector<std::string>> resolve_host(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res); rc != 0)
    return Status::error(fmt::format("cannot resolve peer host '{}': {}", host, gai_strerror(rc)));
  std::vector<std::string> out;
  for (addrinfo* a = res; a; a = a->ai_next) {
    char buf[NI_MAXHOST];
    if (getnameinfo(a->ai_addr, a->ai_addrlen, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST) == 0) out.push_back(buf);
  }
  freeaddrinfo(res);
  return out;
}

PeerFilter::PeerFilter() : impl_(std::make_unique<Impl>()) {}
PeerFilter::~PeerFilter() = default;

Result<std::unique_ptr<PeerFilter>> PeerFilter::wrap(raft_uv_transport* inner, const std::vector<Peer>& peers) {
  std::unique_ptr<PeerFilter> f(new PeerFilter);
  for (const Peer& p : peers) {
    const std::string host = p.address.substr(0, p.address.rfind(':'));
    auto ips = resolve_host(host);
    if (!ips) return ips.status();
    f->allowed_.insert(ips->begin(), ips->end());
  }
  Impl& m = *f->impl_;
  m.self = f.get();
  m.inner = inner;
  inner->data = &m;
  m.outer.impl = &m;
  m.outer.init = &Impl::init;
  m.outer.listen = &Impl::listen;
  m.outer.connect = &Impl::connect;
  m.outer.close = &Impl::close;
  return f;
}

raft_uv_transport* PeerFilter::transport() { return &impl_->outer; }

}  // namespace baton::ha
