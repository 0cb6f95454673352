// The broker side of `baton events`: requests are answered after the turn's
// commit with settled events only, in key order (also when turns share a
// millisecond), from the journal for what came before the live ring, and
// never twice.
#include <doctest/doctest.h>

#include "cmd/event_feed.h"
#include "core/engine_harness.h"
#include "store/journal_fixture.h"

using namespace baton;
using namespace baton::cli;
using namespace baton::testing;

namespace {

struct Broker {
  TempDir dir;
  std::unique_ptr<SqliteJournal> journal = open_journal(dir.file("j.db"));
  Outbox out;
  TimeMs now = 1'700'000'000'000;
  BrokerEngine engine{BrokerConfig{}, *journal, out, now};
  EventFeed feed{dir.file("j.db")};
  std::uint64_t rid = 0;

  // One loop turn: tick, commit, feed; returns the events replies sent.
  std::vector<pb::ObsEventsReply> turn() {
    engine.on_tick(now);
    REQUIRE(journal->commit().is_ok());
    feed.on_turn(engine, wire::TurnReport{now, true, 0, 0}, out);
    std::vector<pb::ObsEventsReply> replies;
    for (Outgoing& o : out.take())
      if (o.message.has_obs_events_reply()) replies.push_back(o.message.obs_events_reply());
    return replies;
  }
  void ask(const std::string& cursor, bool wait = true) {
    pb::Envelope env;
    env.set_request_id(++rid);
    env.mutable_obs_events()->set_since_cursor(cursor);
    env.mutable_obs_events()->set_wait(wait);
    REQUIRE(feed.handle("client", env, now));
  }
  void worker_message(const pb::Envelope& env) { engine.on_worker_message("A#1", env, now); }
  void register_worker(std::uint32_t cpus) {
    pb::Envelope env;
    *env.mutable_register_() = baton::test::BrokerHarness::registration("A", cpus);
    worker_message(env);
  }
  void finish_running() {
    for (const auto& [jid, job] : engine.jobs())
      for (const auto& [ord, rec] : job.tasks)
        if (rec.state == pb::RUNNING) {
          pb::Envelope env;
          *env.mutable_finished()->mutable_result() = baton::test::BrokerHarness::result(
              baton::test::task_ref(jid, job.index_of(ord), rec.attempt), pb::EXITED);
          worker_message(env);
          return;  // one per call
        }
  }
};

std::vector<std::string> kinds(const pb::ObsEventsReply& r) {
  std::vector<std::string> out;
  for (const pb::ObsEvent& e : r.events()) out.push_back(e.kind() + " " + std::to_string(e.index()));
  return out;
}

}  // namespace

TEST_SUITE("cmd.event_feed") {

TEST_CASE("a follower gets settled events in key order, also from turns that share a millisecond") {
  Broker b;
  b.ask("");  // from the start
  CHECK(b.turn().empty());  // nothing yet: it waits (and capture is on from the next millisecond)
  b.now += 1;
  b.register_worker(1);
  pb::JobSpec spec = baton::test::command("arr");
  spec.set_array("0-1");
  REQUIRE(b.engine.submit(spec, b.now).is_ok());
  CHECK(b.turn().empty());  // recorded at this millisecond: not settled yet
  b.finish_running();       // task 0 ends, task 1 starts: a new turn, the same millisecond
  CHECK(b.turn().empty());
  b.now += 1;
  auto replies = b.turn();
  REQUIRE(replies.size() == 1);
  // In key order: the start of 1 sorts before the end of 0 at the same time.
  CHECK(kinds(replies[0]) ==
        std::vector<std::string>{"worker_joined 0", "submitted 0", "started 0", "started 1", "finished 0"});
  REQUIRE(replies[0].events_size() == 5);
  const std::string cursor = replies[0].cursor();
  CHECK(cursor == replies[0].events(4).cursor());

  b.ask(cursor);
  b.finish_running();  // at the millisecond of the last turn
  CHECK(b.turn().empty());
  b.now += 1;
  replies = b.turn();
  REQUIRE(replies.size() == 1);
  CHECK(kinds(replies[0]) == std::vector<std::string>{"finished 1", "job_finished 0"});
}

TEST_CASE("a cursor from before the ring is answered from the journal, then the ring, with no gap or repeat") {
  Broker b;
  b.register_worker(2);
  REQUIRE(b.engine.submit(baton::test::command("early"), b.now).is_ok());
  b.turn();  // committed before anyone asked: only the journal has it
  b.now += 5;
  b.ask("", /*wait=*/false);
  auto replies = b.turn();  // capture starts after this millisecond
  REQUIRE(replies.size() == 1);
  // The early job from the journal; the worker event of the first turn was
  // never captured (worker events are live only).
  CHECK(kinds(replies[0]) == std::vector<std::string>{"submitted 0", "started 0"});
  b.now += 1;
  b.finish_running();  // in the ring
  b.now += 1;
  b.ask(replies[0].cursor(), false);
  replies = b.turn();
  REQUIRE(replies.size() == 1);
  CHECK(kinds(replies[0]) == std::vector<std::string>{"finished 0", "job_finished 0"});
  // One request across both: the journal up to the ring's floor, then the ring.
  b.ask("", false);
  replies = b.turn();
  REQUIRE(replies.size() == 1);
  CHECK(kinds(replies[0]) == std::vector<std::string>{"submitted 0", "started 0", "finished 0", "job_finished 0"});
}

TEST_CASE("a request without wait is answered at once, empty when nothing is new; a bad cursor is an error") {
  Broker b;
  b.ask("", false);
  auto replies = b.turn();
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].events_size() == 0);
  b.ask("nonsense", false);
  b.engine.on_tick(b.now);
  REQUIRE(b.journal->commit().is_ok());
  b.feed.on_turn(b.engine, wire::TurnReport{b.now, true, 0, 0}, b.out);
  auto sent = b.out.take();
  REQUIRE(sent.size() == 1);
  CHECK_FALSE(sent[0].message.reply().ok());
  CHECK(sent[0].message.reply().code() == 2);
}

}  // TEST_SUITE
