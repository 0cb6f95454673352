// Prometheus metrics of a broker (see broker_metrics.h).
#include "cmd/broker_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <sys/stat.h>

#include <array>
#include <map>

namespace baton::cli {

namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

constexpr TimeMs kGaugePeriodMs = 1000;

const std::array<pb::TaskState, 6> kStates{pb::PENDING, pb::RUNNING, pb::COMPLETED,
                                           pb::FAILED,  pb::CANCELLED, pb::TIMEOUT};

std::string lower_state(pb::TaskState s) {
  std::string n = pb::TaskState_Name(s);
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return n;
}

Histogram::BucketBoundaries seconds_buckets() {
  Histogram::BucketBoundaries b;
  for (TimeMs ms : DurationHistogram::kBoundsMs) b.push_back(static_cast<double>(ms) / 1000.0);
  return b;
}

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

// Adds to a counter what a monotone engine counter gained since last time;
// a rebuilt engine starts again from zero, which counts as all new.
void follow(Counter& c, std::uint64_t now, std::uint64_t& last) {
  if (now >= last) c.Increment(static_cast<double>(now - last));
  else c.Increment(static_cast<double>(now));
  last = now;
}

}  // namespace

struct BrokerMetrics::State {
  std::string journal_path;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<prometheus::Exposer> exposer;

  Family<Gauge>* jobs;
  Family<Gauge>* tasks;
  Family<Gauge>* ha_role = nullptr;  // replicated brokers only (set_ha)
  Gauge* ha_term = nullptr;
  Family<Counter>* submitted;
  Family<Counter>* started;
  Family<Counter>* finished;
  Histogram* submit_to_start;
  Histogram* dispatch;
  Histogram* commit;
  Gauge* journal_bytes;
  Family<Gauge>* workers;
  Family<Gauge>* cpus;
  Family<Gauge>* cpus_used;
  Family<Gauge>* mem;
  Family<Gauge>* mem_used;
  Family<Gauge>* gpus;
  Family<Gauge>* gpus_used;
  Family<Counter>* requests;
  Gauge* waiting;
  Gauge* read_only;
  std::map<int, Counter*> request_counters;

  // What the engine's counters were at the last update, by queue.
  // and the queue's counters (looked up once: Family::Add hashes labels).
  struct Seen {
    std::uint64_t submitted = 0, started = 0;
    std::array<std::uint64_t, 8> finished{};
    Counter* submitted_c = nullptr;
    Counter* started_c = nullptr;
    std::array<Counter*, 8> finished_c{};
  };
  std::map<std::string, Seen> seen;
  std::uint64_t seen_wait_total = 0;
  std::array<std::uint64_t, DurationHistogram::kBoundsMs.size() + 1> seen_wait_counts{};
  double seen_wait_sum = 0;
  TimeMs next_gauges = 0;
};

BrokerMetrics::BrokerMetrics(std::unique_ptr<State> s) : s_(std::move(s)) {}
BrokerMetrics::~BrokerMetrics() = default;

Result<std::unique_ptr<BrokerMetrics>> BrokerMetrics::start(const std::string& address,
                                                            const std::string& journal_path) {
  auto s = std::make_unique<State>();
  s->journal_path = journal_path;
  prometheus::Registry& r = *s->registry;
  using prometheus::BuildCounter;
  using prometheus::BuildGauge;
  using prometheus::BuildHistogram;
  s->jobs = &BuildGauge().Name("baton_jobs").Help("Jobs the broker holds, by state").Register(r);
  s->tasks = &BuildGauge().Name("baton_tasks").Help("Tasks of the jobs the broker holds, by state").Register(r);
  s->submitted = &BuildCounter().Name("baton_jobs_submitted_total").Help("Jobs submitted, by queue").Register(r);
  s->started = &BuildCounter()
                    .Name("baton_tasks_started_total")
                    .Help("Task attempts dispatched to workers, by queue")
                    .Register(r);
  s->finished = &BuildCounter()
                     .Name("baton_tasks_finished_total")
                     .Help("Tasks that ended, by final state and queue")
                     .Register(r);
  s->submit_to_start = &BuildHistogram()
                            .Name("baton_submit_to_start_seconds")
                            .Help("Time from a job's submission to the first dispatch of each of its tasks")
                            .Register(r)
                            .Add({}, seconds_buckets());
  s->dispatch = &BuildHistogram()
                     .Name("baton_dispatch_latency_seconds")
                     .Help("Time the broker spends per loop turn on periodic work and its scheduling pass")
                     .Register(r)
                     .Add({}, Histogram::BucketBoundaries{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1});
  s->commit = &BuildHistogram()
                   .Name("baton_journal_commit_seconds")
                   .Help("Duration of the journal's group commit, once per loop turn that wrote")
                   .Register(r)
                   .Add({}, Histogram::BucketBoundaries{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1});
  s->journal_bytes = &BuildGauge()
                          .Name("baton_journal_bytes")
                          .Help("Size of the journal file and its write-ahead log")
                          .Register(r)
                          .Add({});
  s->workers = &BuildGauge().Name("baton_workers").Help("Workers known to the broker, by state").Register(r);
  s->cpus = &BuildGauge().Name("baton_cpus").Help("Cpus of live workers, by queue served").Register(r);
  s->cpus_used = &BuildGauge().Name("baton_cpus_used").Help("Cpus in use on live workers, by queue served").Register(r);
  s->mem = &BuildGauge().Name("baton_memory_bytes").Help("Memory of live workers, by queue served").Register(r);
  s->mem_used =
      &BuildGauge().Name("baton_memory_used_bytes").Help("Memory in use on live workers, by queue served").Register(r);
  s->gpus = &BuildGauge().Name("baton_gpus").Help("GPUs of live workers, by queue served").Register(r);
  s->gpus_used = &BuildGauge().Name("baton_gpus_used").Help("GPUs in use on live workers, by queue served").Register(r);
  s->requests = &BuildCounter().Name("baton_client_requests_total").Help("Client requests, by type").Register(r);
  s->waiting = &BuildGauge()
                    .Name("baton_client_requests_waiting")
                    .Help("Long-lived client requests open (wait, logs, events)")
                    .Register(r)
                    .Add({});
  s->read_only = &BuildGauge()
                      .Name("baton_read_only")
                      .Help("1 while the broker cannot write its journal and refuses changes")
                      .Register(r)
                      .Add({});
  BuildGauge()
      .Name("baton_build_info")
      .Help("Always 1; the version is a label")
      .Register(r)
      .Add({{"version", BATON_VERSION_STRING}})
      .Set(1);
  for (pb::TaskState st : kStates) {
    s->jobs->Add({{"state", lower_state(st)}});
    s->tasks->Add({{"state", lower_state(st)}});
  }
  for (const char* w : {"idle", "mixed", "busy", "draining", "lost"}) s->workers->Add({{"state", w}});
  try {
    s->exposer = std::make_unique<prometheus::Exposer>(address, 2);
  } catch (const std::exception& e) {
    return Status::error("broker.metrics: cannot listen on " + address + ": " + e.what());
  }
  s->exposer->RegisterCollectable(s->registry);
  return std::unique_ptr<BrokerMetrics>(new BrokerMetrics(std::move(s)));
}

void BrokerMetrics::set_ha(const std::string& role, std::uint64_t term) {
  State& s = *s_;
  if (!s.ha_role) {
    s.ha_role = &prometheus::BuildGauge()
                     .Name("baton_ha_role")
                     .Help("1 for this replicated broker's current Raft role (leader, follower, candidate)")
                     .Register(*s.registry);
    s.ha_term = &prometheus::BuildGauge().Name("baton_ha_term").Help("The Raft term this broker is in").Register(*s.registry).Add({});
  }
  for (const char* r : {"leader", "follower", "candidate", "unavailable"}) s.ha_role->Add({{"role", r}}).Set(role == r);
  s.ha_term->Set(static_cast<double>(term));
}

void BrokerMetrics::count_request(const pb::Envelope& msg) {
  const int which = static_cast<int>(msg.body_case());
  auto it = s_->request_counters.find(which);
  if (it == s_->request_counters.end()) {
    const auto* field = pb::Envelope::descriptor()->FindFieldByNumber(which);
    const std::string type = field ? field->name() : "unknown";
    it = s_->request_counters.emplace(which, &s_->requests->Add({{"type", type}})).first;
  }
  it->second->Increment();
}

void BrokerMetrics::update(const BrokerEngine& engine, const wire::TurnReport& turn, std::size_t waiting,
                           bool read_only) {
  State& s = *s_;
  if (turn.committed) {
    s.dispatch->Observe(turn.tick_seconds);
    if (turn.commit_seconds > 0) s.commit->Observe(turn.commit_seconds);
  }
  const BrokerStats& st = engine.stats();
  for (const QueueCounters& q : st.queues) {
    State::Seen& seen = s.seen[q.queue];
    if (!seen.submitted_c) {
      seen.submitted_c = &s.submitted->Add({{"queue", q.queue}});
      seen.started_c = &s.started->Add({{"queue", q.queue}});
      for (pb::TaskState state : {pb::COMPLETED, pb::FAILED, pb::CANCELLED, pb::TIMEOUT})
        seen.finished_c[static_cast<std::size_t>(state)] =
            &s.finished->Add({{"state", lower_state(state)}, {"queue", q.queue}});
    }
    if (q.submitted_jobs != seen.submitted) follow(*seen.submitted_c, q.submitted_jobs, seen.submitted);
    if (q.started_tasks != seen.started) follow(*seen.started_c, q.started_tasks, seen.started);
    for (pb::TaskState state : {pb::COMPLETED, pb::FAILED, pb::CANCELLED, pb::TIMEOUT}) {
      const auto i = static_cast<std::size_t>(state);
      if (q.finished[i] != seen.finished[i]) follow(*seen.finished_c[i], q.finished[i], seen.finished[i]);
    }
  }
  const DurationHistogram& h = st.submit_to_start;
  if (h.total != s.seen_wait_total) {
    const bool restarted = h.total < s.seen_wait_total;
    std::vector<double> inc(h.counts.size());
    for (std::size_t i = 0; i < h.counts.size(); ++i)
      inc[i] = static_cast<double>(restarted ? h.counts[i] : h.counts[i] - s.seen_wait_counts[i]);
    const double sum_ms = restarted ? h.sum_ms : h.sum_ms - s.seen_wait_sum;
    s.submit_to_start->ObserveMultiple(inc, sum_ms / 1000.0);
    s.seen_wait_counts = h.counts;
    s.seen_wait_total = h.total;
    s.seen_wait_sum = h.sum_ms;
  }
  s.read_only->Set(read_only ? 1 : 0);
  s.waiting->Set(static_cast<double>(waiting + engine.waiter_count() + engine.log_reads()));

  if (turn.now < s.next_gauges) return;
  s.next_gauges = turn.now + kGaugePeriodMs;
  std::array<double, 8> jobs{}, tasks{};
  for (const auto& [id, job] : engine.jobs()) {
    jobs[static_cast<std::size_t>(job.summary())] += 1;
    tasks[pb::PENDING] += static_cast<double>(job.pending_total());
    tasks[pb::RUNNING] += job.running;
    tasks[pb::COMPLETED] += job.completed;
    tasks[pb::FAILED] += job.failed;
    tasks[pb::CANCELLED] += job.cancelled + static_cast<double>(job.extras().cancelled_pending.size());
    tasks[pb::TIMEOUT] += job.timed_out;
  }
  for (pb::TaskState state : kStates) {
    s.jobs->Add({{"state", lower_state(state)}}).Set(jobs[static_cast<std::size_t>(state)]);
    s.tasks->Add({{"state", lower_state(state)}}).Set(tasks[static_cast<std::size_t>(state)]);
  }
  std::map<std::string, double> by_state;
  struct Capacity {
    double cpus = 0, cpus_used = 0, mem = 0, mem_used = 0, gpus = 0, gpus_used = 0;
  };
  std::map<std::string, Capacity> by_queue;
  engine.workers().for_each([&](const Worker& w) {
    by_state[w.state_label()] += 1;
    if (w.state == WorkerState::Lost) return;
    for (const std::string& q : w.queues) {
      Capacity& c = by_queue[q];
      c.cpus += w.capacity.cpus;
      c.cpus_used += std::min(w.used.cpus, w.capacity.cpus);
      c.mem += static_cast<double>(w.capacity.mem_mb) * 1024 * 1024;
      c.mem_used += static_cast<double>(w.used.mem_mb) * 1024 * 1024;
      c.gpus += w.capacity.gpus;
      c.gpus_used += w.used.gpus;
    }
  });
  for (const char* state : {"idle", "mixed", "busy", "draining", "lost"})
    s.workers->Add({{"state", state}}).Set(by_state[state]);
  for (const auto& [q, c] : by_queue) {
    const prometheus::Labels l{{"queue", q}};
    s.cpus->Add(l).Set(c.cpus);
    s.cpus_used->Add(l).Set(c.cpus_used);
    s.mem->Add(l).Set(c.mem);
    s.mem_used->Add(l).Set(c.mem_used);
    s.gpus->Add(l).Set(c.gpus);
    s.gpus_used->Add(l).Set(c.gpus_used);
  }
  s.journal_bytes->Set(static_cast<double>(file_size(s.journal_path) + file_size(s.journal_path + "-wal")));
}

}  // namespace baton::cli
