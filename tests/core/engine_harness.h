// Shared setup of the broker engine tests: a BrokerEngine on a fake clock,
// with an in-memory journal and an outbox, and workers that are scripted peers
// (not WorkerEngines): a test says what each worker sends and reads back what
// the broker sent it. Nothing here sleeps; time moves only through `clock`.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "core/broker_engine.h"
#include "fakes.h"

// Failed comparisons of name lists print the lists.
template <>
struct doctest::StringMaker<std::vector<std::string>> {
  static doctest::String convert(const std::vector<std::string>& v) {
    std::string s = "{";
    for (const auto& x : v) s += (s.size() > 1 ? ", " : "") + x;
    return (s + "}").c_str();
  }
};

template <>
struct doctest::StringMaker<std::vector<std::uint32_t>> {
  static doctest::String convert(const std::vector<std::uint32_t>& v) {
    std::string s = "{";
    for (auto x : v) s += (s.size() > 1 ? ", " : "") + std::to_string(x);
    return (s + "}").c_str();
  }
};

namespace baton::test {

// A MemoryJournal that also checks the dispatch rule: when a task is recorded
// as RUNNING, the Assign for that attempt must not be in the outbox yet.
class DispatchOrderJournal : public MemoryJournal {
 public:
  explicit DispatchOrderJournal(const Outbox& out) : out_(out) {}
  void record_task(const Job& job, std::uint64_t ordinal, const TaskRecord& t, const std::string& worker,
                   TimeMs now) override {
    if (t.state == pb::RUNNING) {
      for (const Outgoing& o : out_.items()) {
        if (!o.message.has_assign()) continue;
        for (const pb::Assignment& a : o.message.assign().tasks())
          if (a.task().job() == job.id && a.task().index() == job.index_of(ordinal) && a.task().attempt() == t.attempt)
            ++assign_before_journal;
      }
    }
    MemoryJournal::record_task(job, ordinal, t, worker, now);
  }
  int assign_before_journal = 0;

 private:
  const Outbox& out_;
};

// A runnable spec: `/bin/true` as user alice (uid 0, so it may set priority).
inline pb::JobSpec command(const std::string& name, std::uint32_t cpus = 1) {
  pb::JobSpec s;
  s.set_name(name);
  s.set_user("alice");
  s.add_argv("/bin/true");
  s.mutable_resources()->set_cpus(cpus);
  return s;
}

inline pb::TaskRef task_ref(JobId job, TaskIndex index, Attempt attempt) {
  pb::TaskRef r;
  r.set_job(job);
  r.set_index(index);
  r.set_attempt(attempt);
  return r;
}

struct BrokerHarness {
  explicit BrokerHarness(BrokerConfig cfg = {}, TimeMs start = kT0)
      : clock(start), journal(outbox), engine(std::move(cfg), journal, outbox, start) {}
  BrokerHarness(const BrokerHarness&) = delete;
  BrokerHarness& operator=(const BrokerHarness&) = delete;

  FakeClock clock;
  Outbox outbox;
  DispatchOrderJournal journal;
  BrokerEngine engine;
  std::map<std::string, std::string> peers;  // worker name -> its current connection
  int connections = 0;

  TimeMs now() const { return clock.now(); }
  void advance(TimeMs ms) { clock.advance(ms); }
  void tick() { engine.on_tick(clock.now()); }

  // ---- jobs

  JobId submit(pb::JobSpec spec) {
    auto r = engine.submit(std::move(spec), clock.now());
    if (!r) FAIL("submit refused: " << r.error());
    return *r;
  }
  const Job& job(JobId id) const {
    auto it = engine.jobs().find(id);
    if (it == engine.jobs().end()) FAIL("no job " << id);
    return it->second;
  }
  const TaskRecord& task(JobId id, std::uint64_t ordinal = 0) const {
    const Job& j = job(id);
    auto it = j.tasks.find(ordinal);
    if (it == j.tasks.end()) FAIL("job " << id << " has no task record for ordinal " << ordinal);
    return it->second;
  }
  // The TaskRef of a dispatched task's current attempt.
  pb::TaskRef ref(JobId id, std::uint64_t ordinal = 0) const {
    const TaskRecord& t = task(id, ordinal);
    return task_ref(id, job(id).index_of(ordinal), t.attempt);
  }

  // ---- workers

  static pb::Register registration(const std::string& name, std::uint32_t cpus) {
    pb::Register r;
    r.set_name(name);
    r.set_host(name);
    r.mutable_capacity()->set_cpus(cpus);
    return r;
  }
  // Registers over a new connection (a first connect or a reconnect).
  void register_worker(const pb::Register& r) {
    peers[r.name()] = r.name() + "#" + std::to_string(++connections);
    pb::Envelope env;
    *env.mutable_register_() = r;
    engine.on_worker_message(peers[r.name()], env, clock.now());
  }
  void register_worker(const std::string& name, std::uint32_t cpus) { register_worker(registration(name, cpus)); }

  const std::string& peer(const std::string& name) const {
    auto it = peers.find(name);
    if (it == peers.end()) FAIL("worker " << name << " never connected");
    return it->second;
  }
  const Worker* worker(const std::string& name) const {
    const Worker* found = nullptr;
    engine.workers().for_each([&](const Worker& w) {
      if (w.name == name) found = &w;
    });
    return found;
  }
  std::string worker_of(JobId id, std::uint64_t ordinal = 0) const {
    return engine.workers().name_of(task(id, ordinal).worker);
  }

  void from_worker(const std::string& name, const pb::Envelope& env) {
    engine.on_worker_message(peer(name), env, clock.now());
  }
  // A heartbeat that lists exactly what the broker believes runs there.
  void heartbeat(const std::string& name) {
    pb::Envelope env;
    pb::Heartbeat* hb = env.mutable_heartbeat();
    if (const Worker* w = worker(name)) {
      for (const TaskKey& t : w->tasks) *hb->add_running() = ref(t.job, t.ordinal);
    }
    from_worker(name, env);
  }
  void heartbeat(const std::string& name, const std::vector<pb::TaskRef>& running) {
    pb::Envelope env;
    pb::Heartbeat* hb = env.mutable_heartbeat();
    for (const auto& t : running) *hb->add_running() = t;
    from_worker(name, env);
  }
  void started(const std::string& name, const pb::TaskRef& t) {
    pb::Envelope env;
    *env.mutable_started()->mutable_task() = t;
    env.mutable_started()->set_start_ms(clock.now());
    from_worker(name, env);
  }
  static pb::TaskResult result(const pb::TaskRef& t, pb::Outcome outcome, int exit_code = 0, int signal = 0) {
    pb::TaskResult r;
    *r.mutable_task() = t;
    r.set_outcome(outcome);
    r.set_exit_code(exit_code);
    r.set_signal(signal);
    return r;
  }
  void finish(const std::string& name, const pb::TaskRef& t, int exit_code = 0,
              pb::Outcome outcome = pb::EXITED, int signal = 0) {
    pb::Envelope env;
    *env.mutable_finished()->mutable_result() = result(t, outcome, exit_code, signal);
    from_worker(name, env);
  }
  // Finishes the current attempt of a task with exit 0 on the worker running it.
  void complete(JobId id, std::uint64_t ordinal = 0) { finish(worker_of(id, ordinal), ref(id, ordinal)); }

  // Lets `ms` of fake time pass one heartbeat interval at a time. Workers in
  // `alive` heartbeat every interval; the broker ticks after each step.
  void pass_time(TimeMs ms, const std::vector<std::string>& alive = {}) {
    const TimeMs step = engine.config().heartbeat_ms;
    for (TimeMs done = 0; done < ms;) {
      const TimeMs d = std::min(step, ms - done);
      clock.advance(d);
      done += d;
      for (const auto& name : alive) heartbeat(name);
      tick();
    }
  }

  // ---- what the broker sent

  // Takes the messages to `peer_id` that `keep` selects out of the outbox,
  // leaving the rest in order.
  template <class Pred>
  std::vector<pb::Envelope> take_to_peer(const std::string& peer_id, Pred keep) {
    std::vector<pb::Envelope> out;
    for (Outgoing& o : outbox.take()) {
      if (o.channel == Channel::Worker && o.peer == peer_id && keep(o.message)) out.push_back(std::move(o.message));
      else outbox.send(o.channel, std::move(o.peer), std::move(o.message));
    }
    return out;
  }
  // Reads and clears the Assign messages sent to a worker; returns their tasks.
  std::vector<pb::Assignment> assigned_to(const std::string& name) {
    std::vector<pb::Assignment> out;
    for (auto& env : take_to_peer(peer(name), [](const pb::Envelope& m) { return m.has_assign(); }))
      for (const auto& a : env.assign().tasks()) out.push_back(a);
    return out;
  }
  std::vector<pb::Kill> kills_to(const std::string& name) {
    std::vector<pb::Kill> out;
    for (auto& env : take_to_peer(peer(name), [](const pb::Envelope& m) { return m.has_kill(); }))
      out.push_back(env.kill());
    return out;
  }
  std::size_t heartbeats_to(const std::string& name) {
    return take_to_peer(peer(name), [](const pb::Envelope& m) { return m.has_heartbeat(); }).size();
  }
  std::vector<pb::Envelope> sent_to(const std::string& name) {
    return take_to_peer(peer(name), [](const pb::Envelope&) { return true; });
  }

  // ---- clients

  // Sends a client request and returns the replies it produced.
  std::vector<pb::Envelope> client(pb::Envelope env, const std::string& who = "client") {
    engine.on_client_message(who, env, clock.now());
    std::vector<pb::Envelope> out;
    for (Outgoing& o : outbox.take()) {
      if (o.channel == Channel::Client && o.peer == who) out.push_back(std::move(o.message));
      else outbox.send(o.channel, std::move(o.peer), std::move(o.message));
    }
    return out;
  }
  pb::Reply cancel(const std::string& target, int signal = 0) {
    pb::Envelope env;
    env.mutable_cancel()->add_targets(target);
    env.mutable_cancel()->set_signal(signal);
    return only_reply(client(env));
  }
  pb::Reply hold(const std::string& target, bool on = true) {
    pb::Envelope env;
    env.mutable_hold()->add_targets(target);
    env.mutable_hold()->set_hold(on);
    return only_reply(client(env));
  }
  pb::Reply release(const std::string& target) { return hold(target, false); }

  static pb::Reply only_reply(const std::vector<pb::Envelope>& replies) {
    REQUIRE(replies.size() == 1);
    REQUIRE(replies[0].has_reply());
    return replies[0].reply();
  }
};

}  // namespace baton::test
