// Recurring jobs in the broker engine, on the fake clock: runs are ordinary
// jobs named NAME@TIME, the concurrency and catch-up policies, no scheduled
// time run twice across a restart, --on-failure notices, and ownership.
#include <doctest/doctest.h>

#include "engine_harness.h"

using namespace baton;
using namespace baton::test;

namespace {

// kT0 is 2026-11-25T00:00:00Z, a whole minute.
pb::CronEntry entry(const std::string& name, const std::string& schedule) {
  pb::CronEntry e;
  e.set_name(name);
  e.set_user("alice");
  e.set_schedule(schedule);
  *e.mutable_spec() = command("ignored");
  return e;
}

struct Notices : CronNotifier {
  void run_failed(const CronFailure& f) override { failures.push_back(f); }
  std::vector<CronFailure> failures;
};

struct CronHarness {
  explicit CronHarness(TimeMs start = kT0) : h({}, start) { h.engine.set_cron_seams(nullptr, &notices); }
  Notices notices;
  BrokerHarness h;

  pb::Envelope ask(pb::CronRequest req, const Requester& who = Requester{}) {
    pb::Envelope env;
    *env.mutable_cron() = std::move(req);
    h.engine.on_client_message("client", env, h.now(), who);
    std::vector<pb::Envelope> out;
    for (Outgoing& o : h.outbox.take())
      if (o.channel == Channel::Client) out.push_back(std::move(o.message));
    REQUIRE(out.size() == 1);
    return out[0];
  }
  void add(pb::CronEntry e) {
    pb::CronRequest r;
    r.set_op("add");
    *r.mutable_entry() = std::move(e);
    auto reply = ask(r);
    if (reply.has_reply()) FAIL("cron add refused: " << reply.reply().error());
  }
  pb::Envelope op(const std::string& op, const std::string& name, const Requester& who = Requester{}) {
    pb::CronRequest r;
    r.set_op(op);
    r.set_name(name);
    return ask(r, who);
  }
  // Job names of the broker's jobs, in id order.
  std::vector<std::string> jobs() const {
    std::map<JobId, std::string> by_id;
    for (const auto& [id, job] : h.engine.jobs()) by_id[id] = job.spec.name();
    std::vector<std::string> out;
    for (auto& [id, name] : by_id) out.push_back(name);
    return out;
  }
  const pb::CronEntry& stored(const std::string& name) const { return h.journal.cron.at(name); }
  // Moves the clock in one-second turns, ticking each; worker w1, if
  // registered, heartbeats meanwhile.
  void run_for(TimeMs ms) {
    const bool w1 = h.peers.count("w1") > 0;
    h.pass_time(ms, w1 ? std::vector<std::string>{"w1"} : std::vector<std::string>{});
  }
};

std::string env_of(const Job& job, const std::string& key) {
  const pb::JobSpec spec = job.spec.full();
  for (const auto& kv : spec.env())
    if (kv.rfind(key + "=", 0) == 0) return kv.substr(key.size() + 1);
  return "";
}

}  // namespace

TEST_SUITE("core.cron") {

TEST_CASE("an entry submits an ordinary job at each scheduled minute, named and told when it was due") {
  CronHarness c;
  c.add(entry("report", "* * * * *"));
  c.run_for(59 * kSecond);
  CHECK(c.jobs().empty());
  c.run_for(kSecond);
  REQUIRE(c.jobs() == std::vector<std::string>{"report@2026-11-25T00:01"});
  const Job& job = c.h.engine.jobs().begin()->second;
  CHECK(env_of(job, "BATON_CRON_NAME") == "report");
  CHECK(env_of(job, "BATON_CRON_SCHEDULED_TIME") == "2026-11-25T00:01:00+00:00");
  CHECK(job.spec.user() == "alice");
  // The run and the entry's raised last scheduled time are in the journal together.
  CHECK(c.stored("report").last_scheduled_ms() == kT0 + kMinute);
  CHECK(c.h.journal.jobs.count(job.id) == 1);
  c.run_for(kMinute);
  CHECK(c.jobs().size() == 2);
  CHECK(c.h.engine.next_deadline() <= kT0 + 3 * kMinute);
}

TEST_CASE("concurrency allow lets runs overlap; forbid records a skipped run; replace cancels the active one") {
  SUBCASE("allow") {
    CronHarness c;
    c.add(entry("r", "* * * * *"));
    c.run_for(2 * kMinute);
    CHECK(c.jobs().size() == 2);  // no worker: both still pending
  }
  SUBCASE("forbid") {
    CronHarness c;
    pb::CronEntry e = entry("r", "* * * * *");
    e.set_concurrency(pb::CRON_FORBID);
    c.add(e);
    c.run_for(3 * kMinute);
    CHECK(c.jobs().size() == 1);
    const pb::CronEntry& s = c.stored("r");
    REQUIRE(s.runs_size() == 3);
    CHECK(s.runs(1).job_id() == 0);
    CHECK(s.runs(1).note() == "skipped: run 1 still active (--concurrency forbid)");
    CHECK(s.last_scheduled_ms() == kT0 + 3 * kMinute);
    // Once the run ends, the next one starts.
    c.h.cancel("1");
    c.run_for(kMinute);
    CHECK(c.jobs().size() == 2);
  }
  SUBCASE("replace") {
    CronHarness c;
    pb::CronEntry e = entry("r", "* * * * *");
    e.set_concurrency(pb::CRON_REPLACE);
    c.add(e);
    c.run_for(2 * kMinute);
    REQUIRE(c.jobs().size() == 2);
    CHECK(c.h.job(1).summary() == pb::CANCELLED);
    CHECK(c.h.job(2).summary() == pb::PENDING);
    CHECK(c.stored("r").runs(0).state() == pb::CANCELLED);
  }
}

TEST_CASE("a running run that is replaced is killed on its worker") {
  CronHarness c;
  c.h.register_worker("w1", 4);
  pb::CronEntry e = entry("r", "* * * * *");
  e.set_concurrency(pb::CRON_REPLACE);
  c.add(e);
  c.run_for(kMinute);
  REQUIRE(c.h.assigned_to("w1").size() == 1);
  c.run_for(kMinute);
  auto kills = c.h.kills_to("w1");
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].task().job() == 1);
}

TEST_CASE("catch-up after the broker was down: none runs nothing, last runs the latest once, all runs each") {
  auto down_for_35_minutes = [](pb::CronCatchUp policy, TimeMs deadline = 0) {
    CronHarness before;
    pb::CronEntry e = entry("r", "*/10 * * * *");
    e.set_catch_up(policy);
    e.set_starting_deadline_ms(deadline);
    before.add(e);
    // Down from kT0 to kT0+35m: the runs of :10, :20 and :30 were missed.
    CronHarness after(kT0 + 35 * kMinute);
    after.h.engine.restore(before.h.journal.recovered(), after.h.now());
    after.h.tick();
    return after.jobs();
  };
  CHECK(down_for_35_minutes(pb::CRON_CATCH_UP_NONE).empty());
  CHECK(down_for_35_minutes(pb::CRON_CATCH_UP_LAST) == std::vector<std::string>{"r@2026-11-25T00:30"});
  CHECK(down_for_35_minutes(pb::CRON_CATCH_UP_ALL) ==
        std::vector<std::string>{"r@2026-11-25T00:10", "r@2026-11-25T00:20", "r@2026-11-25T00:30"});
  CHECK(down_for_35_minutes(pb::CRON_CATCH_UP_ALL, 20 * kMinute) ==
        std::vector<std::string>{"r@2026-11-25T00:20", "r@2026-11-25T00:30"});
  CHECK(down_for_35_minutes(pb::CRON_CATCH_UP_LAST, 2 * kMinute).empty());  // :30 is 5 minutes late
}

TEST_CASE("no scheduled time runs twice across a restart, whatever the catch-up policy") {
  CronHarness before;
  pb::CronEntry e = entry("r", "*/10 * * * *");
  e.set_catch_up(pb::CRON_CATCH_UP_ALL);
  before.add(e);
  before.run_for(10 * kMinute);
  REQUIRE(before.jobs() == std::vector<std::string>{"r@2026-11-25T00:10"});

  CronHarness after(before.h.now() + kSecond);
  after.h.engine.restore(before.h.journal.recovered(), after.h.now());
  after.run_for(10 * kMinute);
  CHECK(after.jobs() == std::vector<std::string>{"r@2026-11-25T00:10", "r@2026-11-25T00:20"});
  // The run active at the restart is the entry's again: its end is recorded.
  after.h.cancel("1");
  CHECK(after.stored("r").runs(0).state() == pb::CANCELLED);
  // And a second restart right away: still nothing new.
  CronHarness again(after.h.now());
  again.h.engine.restore(after.h.journal.recovered(), again.h.now());
  again.h.tick();
  CHECK(again.jobs().size() == 2);
}

TEST_CASE("a paused entry runs nothing; on resume its catch-up policy decides about the times it missed") {
  CronHarness c;
  pb::CronEntry e = entry("r", "*/10 * * * *");
  e.set_catch_up(pb::CRON_CATCH_UP_LAST);
  c.add(e);
  c.op("pause", "r");
  CHECK(c.stored("r").paused());
  c.run_for(25 * kMinute);
  CHECK(c.jobs().empty());
  c.op("resume", "r");
  CHECK(c.jobs() == std::vector<std::string>{"r@2026-11-25T00:20"});
  c.run_for(5 * kMinute);
  CHECK(c.jobs().size() == 2);
}

TEST_CASE("cron run submits one run now; list and show report next, last and active runs") {
  CronHarness c;
  c.add(entry("r", "0 3 * * *"));
  auto reply = c.op("run", "r");
  REQUIRE(reply.has_cron_reply());
  CHECK(reply.cron_reply().job_id() == 1);
  CHECK(c.jobs() == std::vector<std::string>{"r@2026-11-25T00:00"});
  CHECK(c.stored("r").last_scheduled_ms() == kT0);  // a run by hand is not a scheduled time
  pb::CronRequest list;
  list.set_op("list");
  auto l = c.ask(list);
  REQUIRE(l.cron_reply().entries_size() == 1);
  const pb::CronInfo& info = l.cron_reply().entries(0);
  CHECK(info.next_ms() == kT0 + 3 * kHour);
  CHECK(info.active_size() == 1);
  CHECK(info.entry().runs(0).note() == "run by hand");
  CHECK(c.op("show", "nope").reply().error().find("no cron entry named 'nope'") == 0);
}

TEST_CASE("a failed run runs the entry's --on-failure command with the job's id, state and exit code") {
  CronHarness c;
  c.h.register_worker("w1", 4);
  pb::CronEntry e = entry("r", "* * * * *");
  e.set_on_failure("notify-me");
  c.add(e);
  c.run_for(kMinute);
  REQUIRE(c.h.assigned_to("w1").size() == 1);
  c.h.finish("w1", c.h.ref(1), 3);
  REQUIRE(c.notices.failures.size() == 1);
  const CronFailure& f = c.notices.failures[0];
  CHECK(f.command == "notify-me");
  CHECK(f.entry == "r");
  CHECK(f.job == 1);
  CHECK(f.state == "FAILED");
  CHECK(f.exit_code == 3);
  CHECK(c.stored("r").runs(0).exit_code() == 3);
  // A run that completes sends no notice.
  c.run_for(kMinute);
  REQUIRE(c.h.assigned_to("w1").size() == 1);
  c.h.complete(2);
  CHECK(c.notices.failures.size() == 1);
}

TEST_CASE("history keeps the newest N runs") {
  CronHarness c;
  pb::CronEntry e = entry("r", "* * * * *");
  e.set_history(2);
  c.add(e);
  c.run_for(4 * kMinute);
  const pb::CronEntry& s = c.stored("r");
  REQUIRE(s.runs_size() == 2);
  CHECK(s.runs(1).scheduled_ms() == kT0 + 4 * kMinute);
}

TEST_CASE("update changes the schedule and policies; bad values name the key") {
  CronHarness c;
  c.add(entry("r", "* * * * *"));
  pb::CronRequest u;
  u.set_op("update");
  u.set_name("r");
  (*u.mutable_fields())["schedule"] = "0 * * * *";
  (*u.mutable_fields())["concurrency"] = "forbid";
  CHECK(c.ask(u).has_cron_reply());
  CHECK(c.stored("r").schedule() == "0 * * * *");
  CHECK(c.stored("r").concurrency() == pb::CRON_FORBID);
  (*u.mutable_fields())["schedule"] = "0 25 * * *";
  CHECK(c.ask(u).reply().error() == "schedule '0 25 * * *': hour field '25': 25 is out of range 0-23");
  CHECK(c.stored("r").schedule() == "0 * * * *");
}

TEST_CASE("a user sees and changes only their own entries; an admin may change any") {
  CronHarness c;
  const Requester alice{true, "alice", false}, bob{true, "bob", false}, boss{true, "boss", true};
  pb::CronRequest add;
  add.set_op("add");
  *add.mutable_entry() = entry("mine", "* * * * *");
  add.mutable_entry()->set_user("mallory");  // the key decides, not the request
  REQUIRE(c.ask(add, alice).has_cron_reply());
  CHECK(c.stored("mine").user() == "alice");
  pb::CronRequest list;
  list.set_op("list");
  CHECK(c.ask(list, bob).cron_reply().entries_size() == 0);
  CHECK(c.ask(list, alice).cron_reply().entries_size() == 1);
  CHECK(c.op("pause", "mine", bob).has_reply());
  CHECK_FALSE(c.stored("mine").paused());
  CHECK(c.op("pause", "mine", boss).has_cron_reply());
  CHECK(c.stored("mine").paused());
  // The name is taken, whoever asks.
  *add.mutable_entry() = entry("mine", "@daily");
  CHECK(c.ask(add, bob).reply().error().find("exists") != std::string::npos);
}

TEST_CASE("a crontab replaces the user's crontab entries as a whole, or, on any error, changes nothing") {
  CronHarness c;
  pb::CronRequest tab;
  tab.set_op("crontab");
  *tab.add_table() = entry("a", "* * * * *");
  *tab.add_table() = entry("b", "@daily");
  REQUIRE(c.ask(tab).has_cron_reply());
  CHECK(c.h.journal.cron.size() == 2);
  c.run_for(kMinute);
  CHECK(c.jobs().size() == 1);

  pb::CronRequest bad;
  bad.set_op("crontab");
  *bad.add_table() = entry("a", "* * * * *");
  *bad.add_table() = entry("c", "* * * *");
  CHECK(c.ask(bad).reply().error().find("c: schedule '* * * *'") == 0);
  CHECK(c.h.journal.cron.size() == 2);

  pb::CronRequest next;
  next.set_op("crontab");
  *next.add_table() = entry("a", "* * * * *");
  REQUIRE(c.ask(next).has_cron_reply());
  CHECK(c.h.journal.cron.count("b") == 0);
  // Entry a kept its place in time: the minute it ran is not run again.
  CHECK(c.stored("a").last_scheduled_ms() == kT0 + kMinute);
  CHECK(c.stored("a").runs_size() == 1);
}

TEST_CASE("entries are refused for a bad name, an unknown zone, a schedule that never runs, or no command") {
  CronHarness c;
  pb::CronRequest r;
  r.set_op("add");
  *r.mutable_entry() = entry("bad name", "* * * * *");
  CHECK(c.ask(r).reply().error().find("bad cron entry name") == 0);
  *r.mutable_entry() = entry("z", "* * * * *");
  r.mutable_entry()->set_tz("Mars/Olympus");
  CHECK(c.ask(r).reply().error() == "--tz: unknown time zone 'Mars/Olympus'");
  *r.mutable_entry() = entry("n", "0 0 30 2 *");
  CHECK(c.ask(r).reply().error().find("never runs") != std::string::npos);
  *r.mutable_entry() = entry("e", "* * * * *");
  r.mutable_entry()->mutable_spec()->clear_argv();
  CHECK(c.ask(r).reply().error().find("nothing to run") == 0);
  CHECK(c.h.journal.cron.empty());
}

}  // TEST_SUITE

TEST_SUITE("core.cron") {

TEST_CASE("a new entry starts from now: a client cannot hand it a past or a history") {
  CronHarness c;
  pb::CronEntry e = entry("r", "* * * * *");
  e.set_last_scheduled_ms(kT0 - kDay);
  e.set_catch_up(pb::CRON_CATCH_UP_ALL);
  e.add_runs()->set_job_id(99);
  c.add(e);
  CHECK(c.stored("r").last_scheduled_ms() == kT0);
  CHECK(c.stored("r").runs_size() == 0);
  c.run_for(kMinute);
  CHECK(c.jobs().size() == 1);
}

}  // TEST_SUITE
