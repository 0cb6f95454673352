// Who may change priority: the broker's owner and root set -p and negative
// nice; everyone may lower their own jobs with --nice.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

BrokerConfig owned_by(std::uint32_t uid) {
  BrokerConfig c;
  c.owner_uid = uid;
  return c;
}

pb::JobSpec as_user(std::uint32_t uid, std::int32_t priority, std::int32_t nice) {
  pb::JobSpec s = command("j");
  s.set_uid(uid);
  s.set_priority(priority);
  s.set_nice(nice);
  return s;
}

pb::Envelope update(const std::string& target, std::uint32_t uid, const std::string& key, const std::string& value) {
  pb::Envelope env;
  env.set_request_id(9);
  env.mutable_update()->set_target(target);
  env.mutable_update()->set_uid(uid);
  (*env.mutable_update()->mutable_fields())[key] = value;
  return env;
}

const pb::Reply& reply_of(Outbox& out) {
  static pb::Envelope last;
  auto items = out.take();
  REQUIRE_FALSE(items.empty());
  last = items.back().message;
  REQUIRE(last.has_reply());
  return last.reply();
}

}  // namespace

TEST_SUITE("core.permissions") {
  TEST_CASE("-p is refused for other users and accepted for the owner and root") {
    BrokerHarness h(owned_by(1000));
    auto other = h.engine.submit(as_user(2000, 5, 0), h.now());
    REQUIRE_FALSE(other);
    CHECK(other.error().find("only an admin (or the broker's owner) may raise --priority") == 0);
    CHECK(h.engine.submit(as_user(1000, 5, 0), h.now()));
    CHECK(h.engine.submit(as_user(0, 5, 0), h.now()));
  }

  TEST_CASE("anyone may lower their own jobs with --nice; a negative nice needs the owner") {
    BrokerHarness h(owned_by(1000));
    CHECK(h.engine.submit(as_user(2000, 0, 10), h.now()));
    auto boost = h.engine.submit(as_user(2000, 0, -10), h.now());
    REQUIRE_FALSE(boost);
    CHECK(boost.error().find("negative --nice") != std::string::npos);
  }

  TEST_CASE("update priority= is refused for other users; update nice= may only go up for them") {
    BrokerHarness h(owned_by(1000));
    const JobId id = h.submit(as_user(2000, 0, 0));
    h.engine.on_client_message("c", update(std::to_string(id), 2000, "priority", "9"), h.now());
    const pb::Reply& r = reply_of(h.outbox);
    CHECK_FALSE(r.ok());
    CHECK(r.code() == 1);
    CHECK(h.job(id).spec.priority() == 0);
    h.engine.on_client_message("c", update(std::to_string(id), 2000, "nice", "5"), h.now());
    CHECK(reply_of(h.outbox).ok());
    CHECK(h.job(id).spec.nice() == 5);
    h.engine.on_client_message("c", update(std::to_string(id), 2000, "nice", "0"), h.now());
    CHECK_FALSE(reply_of(h.outbox).ok());
    h.engine.on_client_message("c", update(std::to_string(id), 1000, "priority", "9"), h.now());
    CHECK(reply_of(h.outbox).ok());
    CHECK(h.job(id).spec.priority() == 9);
  }
}

TEST_SUITE("core.limits") {
  TEST_CASE("values that would overflow the broker's time arithmetic are refused at submit") {
    BrokerHarness h;
    pb::JobSpec spec = command("x");
    spec.set_time_limit_s(INT64_MAX / 2);
    CHECK_FALSE(h.engine.submit(spec, h.now()));
    spec = command("x");
    spec.set_warn_before_s(INT64_MAX);
    CHECK_FALSE(h.engine.submit(spec, h.now()));
    spec = command("x");
    spec.set_retry_delay_ms(INT64_MAX);
    CHECK_FALSE(h.engine.submit(spec, h.now()));
    spec = command("x");
    spec.set_time_limit_s(3600);
    CHECK(h.engine.submit(spec, h.now()));
  }

  TEST_CASE("jobs over the spec, environment and per-user limits are refused, naming the limit") {
    BrokerConfig cfg;
    cfg.max_spec_bytes = 4096;
    cfg.max_env_bytes = 1024;
    cfg.max_active_per_user = 2;
    BrokerHarness h(cfg);
    pb::JobSpec big = command("big");
    big.set_script(std::string(5000, 'x'));
    auto r = h.engine.submit(big, h.now());
    REQUIRE_FALSE(r);
    CHECK(r.error().find("broker.max_spec_size") != std::string::npos);
    pb::JobSpec env = command("env");
    env.add_env("A=" + std::string(2000, 'y'));
    r = h.engine.submit(env, h.now());
    REQUIRE_FALSE(r);
    CHECK(r.error().find("broker.max_env_size") != std::string::npos);
    CHECK(h.engine.submit(command("one"), h.now()));
    CHECK(h.engine.submit(command("two"), h.now()));
    r = h.engine.submit(command("three"), h.now());
    REQUIRE_FALSE(r);
    CHECK(r.error().find("broker.max_jobs_per_user") != std::string::npos);
  }
}
