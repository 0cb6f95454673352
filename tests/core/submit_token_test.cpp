// A client of a replicated cluster re-sends an unanswered submit to the next
// broker with the same token: the broker that has the job answers with it
// instead of queueing it twice, also after a restart (or a failover, which
// rebuilds the engine from the journal the same way).
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

pb::Envelope submit_request(const std::string& token, std::uint64_t rid) {
  pb::Envelope env;
  env.set_request_id(rid);
  pb::JobSpec* spec = env.mutable_submit()->mutable_spec();
  spec->set_user("ann");
  spec->add_argv("true");
  spec->set_submit_token(token);
  return env;
}

// The job id the broker answered request `rid` with (0: none).
JobId answered(Outbox& out, std::uint64_t rid) {
  JobId id = 0;
  for (const Outgoing& o : out.take())
    if (o.message.request_id() == rid && o.message.has_submit_reply()) id = o.message.submit_reply().job_id();
  return id;
}

}  // namespace

TEST_SUITE("core.submit_token") {

TEST_CASE("a submit re-sent with its token gets the job it made, and no second job is queued") {
  BrokerHarness h;
  h.engine.on_client_message("c1", submit_request("tok-a", 1), h.now());
  const JobId first = answered(h.outbox, 1);
  REQUIRE(first != 0);
  h.engine.on_client_message("c2", submit_request("tok-a", 2), h.now());
  CHECK(answered(h.outbox, 2) == first);
  h.engine.on_client_message("c2", submit_request("tok-b", 3), h.now());
  CHECK(answered(h.outbox, 3) == first + 1);
  CHECK(h.engine.jobs().size() == 2);
}

TEST_CASE("submits without a token are never merged") {
  BrokerHarness h;
  h.engine.on_client_message("c1", submit_request("", 1), h.now());
  const JobId first = answered(h.outbox, 1);
  h.engine.on_client_message("c1", submit_request("", 2), h.now());
  const JobId second = answered(h.outbox, 2);
  CHECK(first != 0);
  CHECK(second == first + 1);
  CHECK(h.engine.jobs().size() == 2);
}

TEST_CASE("the token survives a rebuild from the journal, within its window") {
  BrokerHarness before;
  before.engine.on_client_message("c1", submit_request("tok-a", 1), before.now());
  const JobId first = answered(before.outbox, 1);
  REQUIRE(first != 0);
  BrokerHarness after({}, before.now() + 1000);
  after.engine.restore(before.journal.recovered(), after.now());
  after.engine.on_client_message("c2", submit_request("tok-a", 9), after.now());
  CHECK(answered(after.outbox, 9) == first);
  CHECK(after.engine.jobs().size() == 1);
}

TEST_CASE("a token older than its window is forgotten") {
  BrokerHarness before;
  before.engine.on_client_message("c1", submit_request("tok-a", 1), before.now());
  REQUIRE(answered(before.outbox, 1) != 0);
  BrokerHarness after({}, before.now() + 11 * 60 * 1000);
  after.engine.restore(before.journal.recovered(), after.now());
  after.engine.on_client_message("c2", submit_request("tok-a", 9), after.now());
  CHECK(answered(after.outbox, 9) == 2);
}

}  // TEST_SUITE
