// With keys, the broker knows who asks (Requester): users act only on their
// own jobs, admins on any, and only admins raise priority. Without keys
// requests are trusted, as before.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

const Requester kAlice{true, "alice", false};
const Requester kBob{true, "bob", false};
const Requester kBoss{true, "boss", true};

pb::Reply ask(BrokerHarness& h, pb::Envelope env, const Requester& who) {
  h.engine.on_client_message("client", env, h.now(), who);
  std::vector<pb::Envelope> replies;
  for (Outgoing& o : h.outbox.take())
    if (o.channel == Channel::Client) replies.push_back(std::move(o.message));
  return BrokerHarness::only_reply(replies);
}

JobId submit_as(BrokerHarness& h, const Requester& who, pb::JobSpec spec) {
  pb::Envelope env;
  *env.mutable_submit()->mutable_spec() = std::move(spec);
  h.engine.on_client_message("client", env, h.now(), who);
  JobId id = 0;
  for (Outgoing& o : h.outbox.take())
    if (o.message.has_submit_reply()) id = o.message.submit_reply().job_id();
  return id;
}

pb::Envelope cancel(JobId id) {
  pb::Envelope env;
  env.mutable_cancel()->add_targets(std::to_string(id));
  return env;
}

}  // namespace

TEST_SUITE("core.authorization") {

TEST_CASE("the user of an authenticated submit is the key's, whatever the spec says") {
  BrokerHarness h;
  pb::JobSpec spec = command("x");
  spec.set_user("mallory");
  const JobId id = submit_as(h, kAlice, spec);
  REQUIRE(id != 0);
  CHECK(h.job(id).spec.user() == "alice");
}

TEST_CASE("users cancel, hold and update only their own jobs; admins any") {
  BrokerHarness h;
  const JobId id = submit_as(h, kAlice, command("x"));
  REQUIRE(id != 0);
  pb::Reply no = ask(h, cancel(id), kBob);
  CHECK_FALSE(no.ok());
  CHECK(no.code() == 1);
  REQUIRE(no.messages_size() == 1);
  CHECK(no.messages(0).find("belongs to alice") != std::string::npos);
  CHECK(h.job(id).summary() == pb::PENDING);

  pb::Envelope hold;
  hold.mutable_hold()->add_targets(std::to_string(id));
  hold.mutable_hold()->set_hold(true);
  CHECK_FALSE(ask(h, hold, kBob).ok());
  CHECK(ask(h, hold, kAlice).ok());

  pb::Envelope update;
  update.mutable_update()->set_target(std::to_string(id));
  (*update.mutable_update()->mutable_fields())["name"] = "renamed";
  CHECK_FALSE(ask(h, update, kBob).ok());
  CHECK(ask(h, update, kBoss).ok());
  CHECK(h.job(id).spec.name() == "renamed");

  CHECK(ask(h, cancel(id), kBoss).ok());
  CHECK(h.job(id).summary() == pb::CANCELLED);
}

TEST_CASE("only admins raise priority; anyone may lower their own") {
  BrokerHarness h;
  pb::JobSpec high = command("high");
  high.set_priority(10);
  CHECK(submit_as(h, kAlice, high) == 0);
  CHECK(submit_as(h, kBoss, high) != 0);
  pb::JobSpec low = command("low");
  low.set_priority(-5);
  const JobId id = submit_as(h, kAlice, low);
  REQUIRE(id != 0);
  pb::Envelope update;
  update.mutable_update()->set_target(std::to_string(id));
  (*update.mutable_update()->mutable_fields())["priority"] = "-1";
  CHECK_FALSE(ask(h, update, kAlice).ok());  // -5 to -1 is a raise
  (*update.mutable_update()->mutable_fields())["priority"] = "-9";
  CHECK(ask(h, update, kAlice).ok());
}

TEST_CASE("with private_jobs, users see only their own jobs; admins see all") {
  BrokerConfig cfg;
  cfg.private_jobs = true;
  BrokerHarness h(cfg);
  const JobId a = submit_as(h, kAlice, command("a"));
  const JobId b = submit_as(h, kBob, command("b"));
  auto listed = [&](const Requester& who) {
    pb::Envelope env;
    env.mutable_status();
    h.engine.on_client_message("client", env, h.now(), who);
    std::string ids;
    for (Outgoing& o : h.outbox.take())
      for (const auto& j : o.message.status_reply().jobs()) ids += std::to_string(j.id()) + " ";
    return ids;
  };
  CHECK(listed(kAlice) == std::to_string(a) + " ");
  CHECK(listed(kBob) == std::to_string(b) + " ");
  CHECK(listed(kBoss) == std::to_string(a) + " " + std::to_string(b) + " ");
  pb::Envelope one;
  one.mutable_status()->add_targets(std::to_string(a));
  CHECK_FALSE(ask(h, one, kBob).ok());
}

TEST_CASE("without keys requests are trusted: anyone may cancel") {
  BrokerHarness h;
  const JobId id = h.submit(command("x"));
  CHECK(h.cancel(std::to_string(id)).ok());
}

}  // TEST_SUITE
