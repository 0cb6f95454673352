// `baton top`'s model: counts by state and user, workers' load, running
// tasks with elapsed time, filters, sorting and the throughput sparkline.
#include <doctest/doctest.h>

#include "cmd/top_model.h"

using namespace baton;
using namespace baton::cli;

namespace {

constexpr TimeMs kNow = 1'700'000'100'000;

pb::StatusReply sample_status() {
  pb::StatusReply s;
  pb::JobInfo* a = s.add_jobs();
  a->set_id(7);
  a->set_name("sim");
  a->set_user("alice");
  a->set_is_array(true);
  a->set_pending_count(5);
  pb::TaskRange* done = a->add_finished();
  done->set_state(pb::COMPLETED);
  done->set_count(10);
  pb::TaskInfo* t = a->add_tasks();
  t->set_index(3);
  t->set_state(pb::RUNNING);
  t->set_worker("n1");
  t->set_start_ms(kNow - 65'000);
  pb::TaskInfo* f = a->add_tasks();
  f->set_index(4);
  f->set_state(pb::FAILED);
  pb::JobInfo* b = s.add_jobs();
  b->set_id(8);
  b->set_name("fit");
  b->set_user("bob");
  b->set_queue("gpu");
  pb::TaskInfo* bt = b->add_tasks();
  bt->set_state(pb::RUNNING);
  bt->set_worker("g1");
  bt->set_start_ms(kNow - 5'000);
  return s;
}

pb::WorkersReply sample_workers() {
  pb::WorkersReply w;
  pb::WorkerInfo* n1 = w.add_workers();
  n1->set_name("n1");
  n1->set_state("mixed");
  n1->mutable_capacity()->set_cpus(4);
  n1->mutable_used()->set_cpus(1);
  n1->add_queues("default");
  n1->add_tasks("7_3");
  pb::WorkerInfo* g1 = w.add_workers();
  g1->set_name("g1");
  g1->set_state("busy");
  g1->mutable_capacity()->set_cpus(2);
  g1->mutable_used()->set_cpus(2);
  g1->add_queues("gpu");
  return w;
}

}  // namespace

TEST_SUITE("cmd.top") {

TEST_CASE("the snapshot counts tasks by state and by user, and lists running tasks longest first") {
  const TopSnapshot s = make_snapshot(sample_status(), sample_workers(), {}, kNow);
  CHECK(s.total.pending == 5);
  CHECK(s.total.running == 2);
  CHECK(s.total.completed == 10);
  CHECK(s.total.failed == 1);
  CHECK(s.total.finished() == 11);
  CHECK(s.by_user.at("alice").running == 1);
  CHECK(s.by_user.at("bob").running == 1);
  REQUIRE(s.running.size() == 2);
  CHECK(s.running[0].task == "7_3");
  CHECK(s.running[0].elapsed_ms == 65'000);
  CHECK(s.running[1].task == "8");
  REQUIRE(s.workers.size() == 2);
  CHECK(s.workers[1].cpus_used == 2);
}

TEST_CASE("filters keep one user's jobs, or one queue's jobs and workers") {
  const TopSnapshot u = make_snapshot(sample_status(), sample_workers(), {"bob", ""}, kNow);
  CHECK(u.total.running == 1);
  CHECK(u.total.pending == 0);
  CHECK(u.by_user.count("alice") == 0);
  const TopSnapshot q = make_snapshot(sample_status(), sample_workers(), {"", "gpu"}, kNow);
  CHECK(q.total.running == 1);
  REQUIRE(q.workers.size() == 1);
  CHECK(q.workers[0].name == "g1");
}

TEST_CASE("running tasks sort by elapsed, job, user or worker; s cycles through them") {
  TopSnapshot s = make_snapshot(sample_status(), sample_workers(), {}, kNow);
  sort_running(s.running, TopSort::Worker);
  CHECK(s.running[0].worker == "g1");
  sort_running(s.running, TopSort::Job);
  CHECK(s.running[0].job == 7);
  CHECK(next_sort(TopSort::Elapsed) == TopSort::Job);
  CHECK(next_sort(TopSort::Worker) == TopSort::Elapsed);
}

TEST_CASE("throughput is finished tasks per second between refreshes; the sparkline scales to the peak") {
  Throughput t;
  t.add(0, 100);
  CHECK(t.rates().empty());
  t.add(1000, 110);
  t.add(2000, 130);
  t.add(3000, 130);
  t.add(4000, 120);  // jobs left memory: no progress, not negative
  REQUIRE(t.rates().size() == 4);
  CHECK(t.rates()[0] == doctest::Approx(10));
  CHECK(t.rates()[1] == doctest::Approx(20));
  CHECK(t.last() == doctest::Approx(0));
  CHECK(t.sparkline(10) == "=#  ");
  CHECK(t.sparkline(2) == "  ");
}

TEST_CASE("a load bar fills in proportion, rounding up so any use shows") {
  CHECK(load_bar(0, 4, 8) == "........");
  CHECK(load_bar(1, 4, 8) == "##......");
  CHECK(load_bar(4, 4, 8) == "########");
  CHECK(load_bar(1, 3, 10) == "####......");
  CHECK(load_bar(5, 4, 4) == "####");
  CHECK(load_bar(0, 0, 4) == "....");
}

TEST_CASE("the plain view has every section") {
  Throughput t;
  const std::string text = render_plain(make_snapshot(sample_status(), sample_workers(), {}, kNow), t, TopSort::Elapsed);
  CHECK(text.find("TASKS pending 5 running 2 completed 10 failed 1") != std::string::npos);
  CHECK(text.find("n1 mixed [###.......] 1/4 1") != std::string::npos);
  CHECK(text.find("7_3 alice n1 1:05 sim") != std::string::npos);
}

}  // TEST_SUITE
