// Framing and socket behaviour with real ZeroMQ sockets over inproc://.
#include <doctest/doctest.h>

#include <chrono>
#include <zmq.hpp>

#include "transport/client.h"
#include "transport/endpoint.h"
#include "transport/frame.h"
#include "transport/sockets.h"

using namespace baton;

namespace {

// Waits (bounded) until the socket has input.
bool readable(zmq::socket_t& s, int ms = 2000) {
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  return zmq::poll(&item, 1, std::chrono::milliseconds(ms)) > 0;
}

pb::Envelope ping(std::uint64_t rid) {
  pb::Envelope e;
  e.set_request_id(rid);
  e.mutable_ping();
  return e;
}

}  // namespace

TEST_SUITE("transport") {
  TEST_CASE("an envelope round-trips through the BTN1 framing") {
    pb::Envelope e = ping(42);
    auto d = wire::decode(wire::kSignature, wire::encode(e));
    REQUIRE(d);
    CHECK(d->request_id() == 42);
    CHECK(d->has_ping());
  }

  TEST_CASE("frames with a wrong signature, an undecodable body or no body are rejected with a reason") {
    auto bad_sig = wire::decode("HTTP", wire::encode(ping(1)));
    REQUIRE_FALSE(bad_sig);
    CHECK(bad_sig.error() == "bad protocol signature 'HTTP' (expected BTN1)");
    auto garbage = wire::decode(wire::kSignature, std::string("\xff\xff\xff\xff", 4));
    REQUIRE_FALSE(garbage);
    CHECK(garbage.error().find("undecodable envelope") == 0);
    auto empty = wire::decode(wire::kSignature, "");
    REQUIRE_FALSE(empty);
    CHECK(empty.error() == "envelope without a known message body");
  }

  TEST_CASE("a router drops malformed messages and still delivers the next good one") {
    zmq::context_t ctx(1);
    wire::RouterSocket router(ctx, 1 << 20);
    REQUIRE(router.bind("inproc://malformed"));
    zmq::socket_t peer(ctx, zmq::socket_type::dealer);
    peer.set(zmq::sockopt::routing_id, "peer-1");
    peer.connect("inproc://malformed");
    peer.send(zmq::str_buffer("only-one-frame"), zmq::send_flags::none);
    peer.send(zmq::str_buffer("XXXX"), zmq::send_flags::sndmore);
    peer.send(zmq::str_buffer("body"), zmq::send_flags::none);
    peer.send(zmq::buffer(wire::kSignature), zmq::send_flags::sndmore);
    peer.send(zmq::str_buffer("\x08\x01\x0a"), zmq::send_flags::none);  // truncated protobuf
    const std::string good = wire::encode(ping(7));
    peer.send(zmq::buffer(wire::kSignature), zmq::send_flags::sndmore);
    peer.send(zmq::buffer(good), zmq::send_flags::none);

    std::optional<wire::Incoming> in;
    for (int i = 0; i < 50 && !in; ++i) {
      REQUIRE(readable(router.raw()));
      in = router.recv();
    }
    REQUIRE(in);
    CHECK(in->peer == "peer-1");
    CHECK(in->msg.request_id() == 7);
    CHECK_FALSE(router.recv());
  }

  TEST_CASE("sending to a peer that is not connected reports Unroutable instead of blocking") {
    zmq::context_t ctx(1);
    wire::RouterSocket router(ctx, 1 << 20);
    REQUIRE(router.bind("inproc://unroutable"));
    CHECK(router.send("nobody", wire::encode(ping(1))) == wire::SendResult::Unroutable);
  }

  TEST_CASE("a client with no broker gives up with exit status 3 within its timeout") {
    const auto start = std::chrono::steady_clock::now();
    wire::Client client("ipc:///nonexistent-dir/baton-test.sock", 300);
    pb::Envelope reply;
    wire::ClientError err;
    CHECK_FALSE(client.call(ping(1), reply, err));
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(err.exit_code == 3);
    CHECK(err.message.find("cannot reach the broker") == 0);
    CHECK(took < std::chrono::seconds(3));
  }

  TEST_CASE("endpoints are checked and bind addresses become connectable") {
    CHECK(wire::check_endpoint("tcp://127.0.0.1:7420"));
    CHECK(wire::check_endpoint("tcp://*:7420"));
    CHECK(wire::check_endpoint("ipc:///tmp/x.sock"));
    CHECK_FALSE(wire::check_endpoint("tcp://host"));
    CHECK_FALSE(wire::check_endpoint("http://x:1"));
    CHECK_FALSE(wire::check_endpoint("tcp://h:port"));
    CHECK(wire::check_endpoint("ipc:///" + std::string(106, 'x')));  // 107 bytes: the most sun_path holds
    auto too_long = wire::check_endpoint("ipc:///" + std::string(107, 'x'));
    CHECK_FALSE(too_long);
    CHECK(too_long.message().find("longer than the 107 bytes") != std::string::npos);
    CHECK(wire::connectable("tcp://*:7420") == "tcp://127.0.0.1:7420");
    CHECK(wire::connectable("ipc:///a/b") == "ipc:///a/b");
  }
}
