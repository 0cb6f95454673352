// Events read back from the journal's rows carry the keys the engine gave
// them live: a cursor from a live stream resumes exactly after a restart.
#include <doctest/doctest.h>

#include "core/broker_engine.h"
#include "core/engine_harness.h"
#include "journal_fixture.h"
#include "store/event_replay.h"

using namespace baton;
using namespace baton::testing;

namespace {

std::vector<std::string> cursors(const std::vector<BrokerEvent>& events) {
  std::vector<std::string> out;
  for (const BrokerEvent& e : events)
    if (e.key.job != 0) out.push_back(format_cursor(e.key));  // worker events are live only
  return out;
}

struct Run {
  TempDir dir;
  std::unique_ptr<SqliteJournal> journal = open_journal(dir.file("j.db"));
  Outbox out;
  TimeMs now = 1'700'000'000'000;
  BrokerEngine engine{BrokerConfig{}, *journal, out, now};
  std::vector<BrokerEvent> live;

  void turn() {
    REQUIRE(journal->commit().is_ok());
    for (BrokerEvent& e : engine.take_events()) live.push_back(std::move(e));
    out.take();
    now += 7;
  }
  void from_worker(const pb::Envelope& env) {
    engine.on_worker_message("A#1", env, now);
  }
};

}  // namespace

TEST_SUITE("store.event_replay") {

TEST_CASE("the journal gives back every job and task event of the live stream, with the same cursors") {
  Run r;
  r.engine.set_event_capture(true);
  pb::Envelope reg;
  *reg.mutable_register_() = baton::test::BrokerHarness::registration("A", 2);
  r.from_worker(reg);
  r.turn();
  pb::JobSpec spec = baton::test::command("arr");
  spec.set_array("0-3");
  auto id = r.engine.submit(spec, r.now);
  REQUIRE(id.is_ok());
  r.turn();
  auto id2 = r.engine.submit(baton::test::command("one"), r.now);
  REQUIRE(id2.is_ok());
  r.engine.on_tick(r.now);
  r.turn();
  // Finish what runs, turn after turn, until nothing does.
  for (int round = 0; round < 10; ++round) {
    std::vector<pb::TaskRef> running;
    for (const auto& [jid, job] : r.engine.jobs())
      for (const auto& [ord, rec] : job.tasks)
        if (rec.state == pb::RUNNING) running.push_back(baton::test::task_ref(jid, job.index_of(ord), rec.attempt));
    if (running.empty()) break;
    for (const pb::TaskRef& t : running) {
      pb::Envelope env;
      *env.mutable_finished()->mutable_result() =
          baton::test::BrokerHarness::result(t, pb::EXITED, t.job() == *id2 ? 1 : 0);
      r.from_worker(env);
    }
    r.engine.on_tick(r.now);
    r.turn();
  }
  std::sort(r.live.begin(), r.live.end(), [](const BrokerEvent& a, const BrokerEvent& b) { return a.key < b.key; });
  REQUIRE(cursors(r.live).size() == 1 + 4 + 4 + 1 + 1 + 1 + 1 + 1);

  auto replay = EventReplay::open(r.dir.file("j.db"));
  REQUIRE(replay.is_ok());
  auto all = (*replay)->read(EventKey{}, r.now, 1000);
  REQUIRE(all.is_ok());
  CHECK(cursors(*all) == cursors(r.live));

  // From any cursor: exactly the rest.
  const auto live = cursors(r.live);
  for (std::size_t i = 0; i < live.size(); i += 3) {
    auto rest = (*replay)->read(*parse_cursor(live[i]), r.now, 1000);
    REQUIRE(rest.is_ok());
    CHECK(cursors(*rest) == std::vector<std::string>(live.begin() + static_cast<long>(i) + 1, live.end()));
  }
  // A time cursor (the end of a millisecond) starts at the next millisecond.
  const TimeMs t1 = r.live[3].key.time_ms;
  auto later = (*replay)->read(EventKey{t1, UINT64_MAX, EventKind::JobFinished, UINT64_MAX}, r.now, 1000);
  REQUIRE(later.is_ok());
  REQUIRE_FALSE(later->empty());
  for (const BrokerEvent& e : *later) CHECK(e.key.time_ms > t1);
  // Events at or after `before_ms` are not settled yet, and `limit` caps a batch.
  auto early = (*replay)->read(EventKey{}, r.live.front().key.time_ms + 1, 1000);
  REQUIRE(early.is_ok());
  for (const BrokerEvent& e : *early) CHECK(e.key.time_ms <= r.live.front().key.time_ms);
  auto two = (*replay)->read(EventKey{}, r.now, 2);
  REQUIRE(two.is_ok());
  CHECK(two->size() == 2);
  // The failed job's finished events say so.
  bool saw_failed = false;
  for (const BrokerEvent& e : *all)
    if (e.key.job == *id2 && e.key.kind == EventKind::Finished) saw_failed = e.state == pb::FAILED && e.exit_code == 1;
  CHECK(saw_failed);
}

}  // TEST_SUITE
