#include <doctest/doctest.h>

#include "cmd/progress.h"

using namespace baton;
using namespace baton::cli;

namespace {

// An array of `total` tasks: `pending` never started, the rest as given.
pb::JobInfo array_job(std::uint32_t total, std::uint32_t pending, int running, std::uint32_t done,
                      std::uint32_t failed) {
  pb::JobInfo j;
  j.set_id(7);
  j.set_is_array(true);
  j.set_total_tasks(total);
  j.set_pending_count(pending);
  j.set_state(pending ? pb::PENDING : pb::RUNNING);
  for (int i = 0; i < running; ++i) {
    auto* t = j.add_tasks();
    t->set_index(static_cast<std::uint32_t>(i));
    t->set_state(pb::RUNNING);
  }
  auto* d = j.add_finished();
  d->set_state(pb::COMPLETED);
  d->set_count(done);
  auto* f = j.add_finished();
  f->set_state(pb::FAILED);
  f->set_count(failed);
  return j;
}

}  // namespace

TEST_CASE("count_tasks adds running, summarized finished ranges, pending and cancelled tasks") {
  pb::StatusReply s;
  *s.add_jobs() = array_job(100, 60, 2, 30, 5);
  s.mutable_jobs(0)->set_cancelled_count(3);
  pb::JobInfo* single = s.add_jobs();  // a plain job that has not started: no task rows
  single->set_id(8);
  single->set_state(pb::PENDING);
  single->set_total_tasks(1);
  const ProgressCounts c = count_tasks(s);
  CHECK(c.total == 101);
  CHECK(c.pending == 61);
  CHECK(c.running == 2);
  CHECK(c.done == 30);
  CHECK(c.failed == 8);
  CHECK(c.ended() == 38);
}

TEST_CASE("progress line: counts, a bar that fills, rate and ETA from the elapsed time") {
  Progress p(1'000'000);
  pb::StatusReply s;
  *s.add_jobs() = array_job(100, 50, 0, 50, 0);
  const std::string line = p.update(count_tasks(s), 1'000'000 + 10'000, 100);  // 50 tasks in 10 s
  CHECK(line.find("50/100") != std::string::npos);
  CHECK(line.find("50 pending, 0 running, 50 done, 0 failed") != std::string::npos);
  CHECK(line.find("5.0/s") != std::string::npos);
  CHECK(line.find("ETA 0:10") != std::string::npos);  // 50 left at 5/s
  CHECK(line.find("[###############...............]") == 0);
  CHECK(line.size() <= 100);
}

TEST_CASE("progress line is not redrawn when nothing changed, and fits a narrow terminal") {
  Progress p(0);
  pb::StatusReply s;
  *s.add_jobs() = array_job(10, 10, 0, 0, 0);
  CHECK_FALSE(p.update(count_tasks(s), 100, 80).empty());
  CHECK(p.update(count_tasks(s), 200, 80).empty());  // same counts, no rate yet: same line
  const std::string narrow = p.update(count_tasks(s), 300, 20);
  CHECK(narrow.size() == 20);
  CHECK(narrow.find('[') == std::string::npos);  // no room for a bar
}

TEST_CASE("progress summary names failures only when there are some") {
  Progress p(0);
  ProgressCounts c;
  c.total = 3;
  c.done = 3;
  CHECK(p.summary(c, 61'000) == "3 tasks: 3 completed in 1:01");
  c.done = 2;
  c.failed = 1;
  CHECK(p.summary(c, 1'000) == "3 tasks: 2 completed, 1 did not complete in 0:01");
}
