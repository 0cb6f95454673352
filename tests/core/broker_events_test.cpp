// The engine's monitoring side: transition events (while captured) with the
// keys the journal rows will give them back, and the counters the metrics
// adapter reads.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

std::vector<std::string> kinds(const std::vector<BrokerEvent>& events) {
  std::vector<std::string> out;
  for (const BrokerEvent& e : events) out.push_back(event_kind_name(e.key.kind));
  return out;
}

}  // namespace

TEST_SUITE("core.events") {

TEST_CASE("a cursor is the text of an event key and reads back the same; other text is refused") {
  const EventKey k{1'700'000'000'123, 42, EventKind::Finished, 7};
  CHECK(format_cursor(k) == "1700000000123-42-6-7");
  auto back = parse_cursor(format_cursor(k));
  REQUIRE(back.has_value());
  CHECK(*back == k);
  CHECK_FALSE(parse_cursor("").has_value());
  CHECK_FALSE(parse_cursor("1-2-3").has_value());
  CHECK_FALSE(parse_cursor("1-2-9-4").has_value());  // no such kind
  CHECK_FALSE(parse_cursor("1-2-3-4-5").has_value());
  CHECK_FALSE(parse_cursor("a-2-3-4").has_value());
}

TEST_CASE("keys order by time, then job, then kind, then index") {
  CHECK(EventKey{1, 9, EventKind::JobFinished, 0} < EventKey{2, 1, EventKind::Submitted, 0});
  CHECK(EventKey{2, 1, EventKind::JobFinished, 0} < EventKey{2, 2, EventKind::Submitted, 0});
  CHECK(EventKey{2, 2, EventKind::Submitted, 0} < EventKey{2, 2, EventKind::Started, 0});
  CHECK(EventKey{2, 2, EventKind::Started, 0} < EventKey{2, 2, EventKind::Started, 1});
}

TEST_CASE("with capture on, a job's life is submitted, started, finished, job_finished, each at its turn's time") {
  BrokerHarness h;
  h.engine.set_event_capture(true);
  h.register_worker("A", 1);
  const TimeMs t_submit = h.now();
  const JobId id = h.submit(command("x"));
  h.advance(10);
  const TimeMs t_start = h.now();
  h.tick();
  h.advance(10);
  const TimeMs t_end = h.now();
  h.complete(id);
  h.tick();
  const auto events = h.engine.take_events();
  CHECK(kinds(events) == std::vector<std::string>{"worker_joined", "submitted", "started", "finished", "job_finished"});
  REQUIRE(events.size() == 5);
  CHECK(events[1].key == EventKey{t_submit, id, EventKind::Submitted, 0});
  CHECK(events[1].user == "alice");
  CHECK(events[1].queue == "default");
  CHECK(events[2].key == EventKey{t_start, id, EventKind::Started, 0});
  CHECK(events[2].worker == "A");
  CHECK(events[2].attempt == 1);
  CHECK(events[3].key == EventKey{t_end, id, EventKind::Finished, 0});
  CHECK(events[3].state == pb::COMPLETED);
  CHECK(events[4].key == EventKey{t_end, id, EventKind::JobFinished, 0});
  // The durable key of the finished event: the row's eligible_ms.
  CHECK(h.task(id).eligible_ms == t_end);
  CHECK(h.engine.take_events().empty());
}

TEST_CASE("without capture no events are kept, and the counters still count") {
  BrokerHarness h;
  h.register_worker("A", 2);
  const JobId ok = h.submit(command("ok"));
  const JobId bad = h.submit(command("bad"));
  h.advance(1500);
  h.tick();
  h.complete(ok);
  h.finish("A", h.ref(bad), 3);
  h.tick();
  CHECK(h.engine.take_events().empty());
  const BrokerStats& s = h.engine.stats();
  REQUIRE(s.queues.size() == 1);
  CHECK(s.queues[0].queue == "default");
  CHECK(s.queues[0].submitted_jobs == 2);
  CHECK(s.queues[0].started_tasks == 2);
  CHECK(s.queues[0].finished[pb::COMPLETED] == 1);
  CHECK(s.queues[0].finished[pb::FAILED] == 1);
  CHECK(s.submit_to_start.total == 2);
  CHECK(s.submit_to_start.counts[7] == 2);  // 1.5 s: in the (1 s, 5 s] bucket
  CHECK(s.submit_to_start.sum_ms == doctest::Approx(3000));
}

TEST_CASE("a worker lost and a worker drained are events") {
  BrokerHarness h;
  h.engine.set_event_capture(true);
  h.register_worker("A", 1);
  h.register_worker("B", 1);
  pb::Envelope drain;
  drain.mutable_drain()->set_on(true);
  h.from_worker("B", drain);
  h.pass_time(6 * kSecond, {"B"});
  const auto events = h.engine.take_events();
  CHECK(kinds(events) == std::vector<std::string>{"worker_joined", "worker_joined", "worker_drained", "worker_lost"});
  CHECK(events.back().worker == "A");
}

}  // TEST_SUITE
