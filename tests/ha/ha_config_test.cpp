// The pieces of a replicated cluster that need no running cluster: peers as
// configured, and the list of brokers clients and workers are given.
#include <doctest/doctest.h>

#include <algorithm>

#include "ha/peer_filter.h"
#include "ha/raft_node.h"
#include "transport/client.h"

using namespace baton;

TEST_SUITE("ha.config") {

TEST_CASE("a peer is ID@HOST:PORT, and a bad one is named with what is wrong") {
  auto p = ha::parse_peer("2@10.0.0.2:7430");
  REQUIRE(p.is_ok());
  CHECK(p->id == 2);
  CHECK(p->address == "10.0.0.2:7430");
  CHECK(ha::parse_peer("[::1]:7430").is_ok() == false);
  auto no_id = ha::parse_peer("x@host:1");
  REQUIRE(!no_id.is_ok());
  CHECK(no_id.error().find("node id") != std::string::npos);
  auto zero = ha::parse_peer("0@host:1");
  CHECK(!zero.is_ok());
  auto no_port = ha::parse_peer("3@host");
  REQUIRE(!no_port.is_ok());
  CHECK(no_port.error().find("HOST:PORT") != std::string::npos);
  CHECK(!ha::parse_peer("3@host:12a").is_ok());
}

TEST_CASE("the Raft port lets in the peers' addresses only") {
  auto ips = ha::resolve_host("127.0.0.1");
  REQUIRE(ips.is_ok());
  CHECK(std::find(ips->begin(), ips->end(), "127.0.0.1") != ips->end());
  CHECK(!ha::resolve_host("no-such-host.invalid").is_ok());
}

TEST_CASE("a broker list splits on commas, blanks dropped; one endpoint stays one") {
  using wire::Client;
  CHECK(Client::split_endpoints("tcp://a:1") == std::vector<std::string>{"tcp://a:1"});
  CHECK(Client::split_endpoints("tcp://a:1, tcp://b:2 ,tcp://c:3") ==
        std::vector<std::string>{"tcp://a:1", "tcp://b:2", "tcp://c:3"});
  CHECK(Client::split_endpoints("tcp://a:1,,") == std::vector<std::string>{"tcp://a:1"});
}

}  // TEST_SUITE
