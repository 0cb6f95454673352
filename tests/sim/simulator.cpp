// The cluster simulation: a synthetic trace, mixed workers, and an event loop
// that replays the trace against a real BrokerEngine (see simulator.h).
#include "tests/sim/simulator.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <queue>
#include <unordered_map>
#include <utility>

#include "core/broker_engine.h"
#include "core/journal.h"
#include "core/outbox.h"

namespace baton::sim {

namespace {

// 2026-11-25T00:00:00Z, as in the unit tests: a realistic epoch, so no time is 0.
constexpr TimeMs kEpoch = 1795564800000;
constexpr std::size_t kMaxViolationsKept = 50;

// ---------------------------------------------------------------- trace

// splitmix64: small, fast, and the same everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double exponential() { return -std::log1p(-uniform()); }         // mean 1
  // An index drawn with the given integer weights.
  template <std::size_t N>
  std::size_t pick(const std::array<unsigned, N>& weights) {
    unsigned total = 0;
    for (unsigned w : weights) total += w;
    auto r = static_cast<unsigned>(next() % total);
    for (std::size_t i = 0; i < N; ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return N - 1;
  }

 private:
  std::uint64_t s_;
};

// The trace's shape. Weights are percentages.
constexpr std::array<const char*, 8> kUsers = {"ana", "ben", "chen", "dora", "eli", "fay", "gus", "hana"};
constexpr std::array<unsigned, 8> kUserWeight = {30, 20, 15, 10, 10, 5, 5, 5};
constexpr std::array<std::uint32_t, 6> kCpus = {1, 2, 4, 8, 16, 32};
constexpr std::array<unsigned, 6> kCpusWeight = {40, 20, 18, 15, 5, 2};
constexpr std::array<std::int64_t, 7> kLimitS = {300, 600, 900, 1800, 3600, 7200, 14400};
constexpr std::array<unsigned, 7> kLimitWeight = {20, 15, 15, 20, 15, 10, 5};
constexpr std::array<std::int32_t, 3> kPriority = {0, 1, 4};
constexpr std::array<unsigned, 3> kPriorityWeight = {85, 10, 5};
constexpr double kMeanBurstExtra = 3;        // a burst is 1 + floor(3 * Exp(1)) jobs, at most 20
constexpr std::size_t kMaxBurst = 20;
constexpr TimeMs kBurstSpacingMs = 2000;     // jobs of a burst arrive up to 2 s apart
constexpr double kMinRunFraction = 0.15;     // a job runs 15-100% of its limit
constexpr double kOfferedLoad = 1.1;         // against kReferenceCpus
constexpr double kReferenceCpus = 520;       // mixed_workers(50)

}  // namespace

std::vector<SimJob> synthetic_trace(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<SimJob> jobs;
  jobs.reserve(n);
  std::vector<double> gaps;     // before each burst, in arbitrary units for now
  std::vector<std::size_t> burst_of;
  while (jobs.size() < n) {
    gaps.push_back(rng.exponential());
    const auto extra = static_cast<std::size_t>(std::floor(kMeanBurstExtra * rng.exponential()));
    const std::size_t size = std::min({1 + extra, kMaxBurst, n - jobs.size()});
    // A burst is one user submitting a batch of similar jobs.
    const std::string user = kUsers[rng.pick(kUserWeight)];
    const std::uint32_t cpus = kCpus[rng.pick(kCpusWeight)];
    const std::int64_t limit = kLimitS[rng.pick(kLimitWeight)];
    const std::int32_t priority = kPriority[rng.pick(kPriorityWeight)];
    TimeMs offset = 0;
    for (std::size_t i = 0; i < size; ++i) {
      SimJob j;
      j.arrival = offset;  // within the burst, for now
      j.cpus = cpus;
      j.limit_s = limit;
      const double fraction = kMinRunFraction + (1 - kMinRunFraction) * rng.uniform();
      j.runtime = std::clamp<TimeMs>(std::llround(double(limit) * 1000 * fraction), 1000, limit * 1000);
      j.priority = priority;
      j.user = user;
      jobs.push_back(std::move(j));
      burst_of.push_back(gaps.size() - 1);
      offset += static_cast<TimeMs>(rng.next() % kBurstSpacingMs);
    }
  }
  // Scale the gaps between bursts so arrivals offer kOfferedLoad times the
  // reference cluster's capacity over the span of the trace.
  double work = 0;
  for (const SimJob& j : jobs) work += double(j.cpus) * double(j.runtime);
  double units = 0;
  for (std::size_t b = 1; b < gaps.size(); ++b) units += gaps[b];
  const double span_ms = work / (kOfferedLoad * kReferenceCpus);
  const double ms_per_unit = units > 0 ? span_ms / units : 0;
  std::vector<TimeMs> burst_start(gaps.size(), 0);
  double t = 0;
  for (std::size_t b = 1; b < gaps.size(); ++b) {
    t += gaps[b] * ms_per_unit;
    burst_start[b] = std::llround(t);
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) jobs[i].arrival += burst_start[burst_of[i]];
  std::stable_sort(jobs.begin(), jobs.end(), [](const SimJob& a, const SimJob& b) { return a.arrival < b.arrival; });
  return jobs;
}

std::string trace_shape() {
  auto percents = [](const auto& values, const auto& weights, auto show) {
    std::string s;
    for (std::size_t i = 0; i < values.size(); ++i)
      s += (i ? ", " : "") + show(values[i]) + " " + std::to_string(weights[i]) + "%";
    return s;
  };
  auto number = [](auto v) { return std::to_string(v); };
  auto name = [](const char* u) { return std::string(u); };
  auto duration = [](std::int64_t s) { return s < 3600 ? std::to_string(s / 60) + "m" : std::to_string(s / 3600) + "h"; };
  char load[16];
  std::snprintf(load, sizeof load, "%.2f", kOfferedLoad);
  return "bursts of 1 + floor(" + std::to_string(int(kMeanBurstExtra)) + " Exp(1)) alike jobs (at most " +
         std::to_string(kMaxBurst) + ") from one user, 0-" + std::to_string(kBurstSpacingMs / 1000) +
         " s apart; drawn per burst: users " + percents(kUsers, kUserWeight, name) + "; cpus " + percents(kCpus, kCpusWeight, number) +
         "; time limit " + percents(kLimitS, kLimitWeight, duration) + "; runtime uniform in " +
         std::to_string(int(kMinRunFraction * 100)) + "-100% of the limit; priority " +
         percents(kPriority, kPriorityWeight, number) + "; burst gaps exponential, scaled so arrivals offer " + load +
         "x the cpu-time of " + std::to_string(int(kReferenceCpus)) + " cpus";
}

std::vector<SimWorker> mixed_workers(std::size_t n) {
  static constexpr std::array<std::uint32_t, 10> kPattern = {4, 4, 4, 4, 8, 8, 8, 16, 16, 32};
  std::vector<SimWorker> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    char name[24];
    std::snprintf(name, sizeof name, "w%03zu", i);
    out.push_back(SimWorker{name, kPattern[i % kPattern.size()]});
  }
  return out;
}

double offered_load(const std::vector<SimJob>& jobs, const std::vector<SimWorker>& workers) {
  if (jobs.empty()) return 0;
  double work = 0, cpus = 0;
  TimeMs first = jobs.front().arrival, last = first;
  for (const SimJob& j : jobs) {
    work += double(j.cpus) * double(j.runtime);
    first = std::min(first, j.arrival);
    last = std::max(last, j.arrival);
  }
  for (const SimWorker& w : workers) cpus += w.cpus;
  return last > first && cpus > 0 ? work / (cpus * double(last - first)) : 0;
}

// ---------------------------------------------------------------- simulation

namespace {

// Discards what the broker would make durable; counts it.
class NullJournal final : public Journal {
 public:
  void record_job(const Job&) override { ++writes; }
  void record_job_state(const Job&) override { ++writes; }
  void record_task(const Job&, std::uint64_t, const TaskRecord&, const std::string&, TimeMs) override { ++writes; }
  void record_cron(const pb::CronEntry&) override { ++writes; }
  void remove_cron(const std::string&) override { ++writes; }
  std::uint64_t writes = 0;
};

BrokerConfig simulation_config(BrokerConfig cfg, const std::vector<SimJob>& jobs) {
  // Workers only talk when a task starts or ends, so an idle one may stay
  // silent for as long as the simulation runs. Make the liveness window
  // longer than any run could be: every arrival plus every runtime back to back.
  TimeMs bound = 0;
  for (const SimJob& j : jobs) bound = std::max(bound, j.arrival);
  for (const SimJob& j : jobs) bound += j.runtime;
  cfg.heartbeat_ms = std::max({cfg.heartbeat_ms, 365 * kDay, bound + 1});
  if (cfg.liveness == 0) cfg.liveness = 1;
  return cfg;
}

class Simulation {
 public:
  Simulation(const std::vector<SimJob>& jobs, const std::vector<SimWorker>& workers, const BrokerConfig& cfg)
      : jobs_(jobs),
        workers_(workers),
        engine_(simulation_config(cfg, jobs), journal_, out_, kEpoch),
        check_reservations_(cfg.scheduler.order == OrderPolicy::Fifo && cfg.scheduler.backfill),
        runs_(jobs.size()),
        used_(workers.size(), 0) {}
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  SimResult run();

 private:
  struct JobRun {
    JobId id = 0;
    TimeMs dispatched = -1;
    TimeMs finished = -1;
    std::size_t worker = 0;
    std::uint32_t dispatches = 0;
    TimeMs promised = kNever;   // the first finite reservation start it held
  };
  struct Finish {
    TimeMs at;
    std::size_t job;
    bool operator>(const Finish& o) const { return at != o.at ? at > o.at : job > o.job; }
  };

  void register_workers();
  void drain(TimeMs now);
  void assigned(std::size_t worker, const pb::Assignment& a, TimeMs now);
  void finish(std::size_t j, TimeMs now);
  void watch_reservation();
  void violation(std::string what);
  SimResult summarize();

  const std::vector<SimJob>& jobs_;
  const std::vector<SimWorker>& workers_;
  NullJournal journal_;
  Outbox out_;
  BrokerEngine engine_;
  const bool check_reservations_;

  std::vector<JobRun> runs_;
  std::unordered_map<JobId, std::size_t> by_id_;
  std::unordered_map<std::string, std::size_t> by_peer_;
  std::vector<std::string> peers_;    // each worker's connection id
  std::vector<std::uint64_t> used_;   // cpus assigned per worker, by our own count
  std::priority_queue<Finish, std::vector<Finish>, std::greater<Finish>> finishes_;
  TimeMs first_arrival_ = 0;
  TimeMs last_finish_ = 0;
  SimResult result_;
  std::uint64_t violations_dropped_ = 0;
};

void Simulation::violation(std::string what) {
  if (result_.violations.size() < kMaxViolationsKept) result_.violations.push_back(std::move(what));
  else ++violations_dropped_;
}

void Simulation::register_workers() {
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    const SimWorker& w = workers_[i];
    peers_.push_back(w.name + "#1");
    by_peer_[peers_.back()] = i;
    pb::Envelope env;
    pb::Register* r = env.mutable_register_();
    r->set_name(w.name);
    r->set_host(w.name);
    r->mutable_capacity()->set_cpus(w.cpus);
    engine_.on_worker_message(peers_.back(), env, kEpoch);
    drain(kEpoch);
  }
}

// Everything the broker sent: Assigns are dispatch decisions; the rest
// (Registered, heartbeats, FinishedAck) needs no answer here.
void Simulation::drain(TimeMs now) {
  for (Outgoing& o : out_.take()) {
    if (o.channel != Channel::Worker || !o.message.has_assign()) continue;
    auto w = by_peer_.find(o.peer);
    if (w == by_peer_.end()) {
      violation("an Assign went to unknown peer " + o.peer);
      continue;
    }
    for (const pb::Assignment& a : o.message.assign().tasks()) assigned(w->second, a, now);
  }
}

void Simulation::assigned(std::size_t worker, const pb::Assignment& a, TimeMs now) {
  const pb::TaskRef& t = a.task();
  auto it = by_id_.find(t.job());
  if (it == by_id_.end()) {
    violation("assigned unknown job " + std::to_string(t.job()));
    return;
  }
  const std::size_t j = it->second;
  const SimJob& job = jobs_[j];
  JobRun& run = runs_[j];
  auto name = [&] { return "job " + std::to_string(t.job()) + " (trace #" + std::to_string(j) + ")"; };
  if (++run.dispatches > 1) {
    violation(name() + " dispatched again (attempt " + std::to_string(t.attempt()) + ")");
    return;
  }
  if (t.attempt() != 1 || t.index() != 0)
    violation(name() + " dispatched as index " + std::to_string(t.index()) + " attempt " + std::to_string(t.attempt()));
  if (std::max(a.spec().resources().cpus(), 1u) != job.cpus)
    violation(name() + " assigned with " + std::to_string(a.spec().resources().cpus()) + " cpus, not " +
              std::to_string(job.cpus));
  used_[worker] += job.cpus;
  if (used_[worker] > workers_[worker].cpus)
    violation("over-commit on " + workers_[worker].name + ": " + std::to_string(used_[worker]) + " of " +
              std::to_string(workers_[worker].cpus) + " cpus after " + name());
  if (check_reservations_ && run.promised != kNever && now > run.promised)
    violation(name() + " held the reservation to start by +" + std::to_string((run.promised - kEpoch) / 1000) +
              " s but started at +" + std::to_string((now - kEpoch) / 1000) + " s");
  run.dispatched = now;
  run.worker = worker;
  ++result_.dispatches;

  // The worker starts it at once, which the broker plans with.
  pb::Envelope env;
  pb::Started* s = env.mutable_started();
  *s->mutable_task() = t;
  s->set_start_ms(now);
  engine_.on_worker_message(peers_[worker], env, now);
  finishes_.push(Finish{now + job.runtime, j});
}

void Simulation::finish(std::size_t j, TimeMs now) {
  JobRun& run = runs_[j];
  const std::size_t worker = run.worker;
  pb::Envelope env;
  pb::TaskResult* r = env.mutable_finished()->mutable_result();
  r->mutable_task()->set_job(run.id);
  r->mutable_task()->set_index(0);
  r->mutable_task()->set_attempt(1);
  r->set_outcome(pb::EXITED);
  r->set_exit_code(0);
  r->set_start_ms(run.dispatched);
  r->set_end_ms(now);
  engine_.on_worker_message(peers_[worker], env, now);
  drain(now);
  used_[worker] -= jobs_[j].cpus;
  run.finished = now;
  last_finish_ = std::max(last_finish_, now);
  ++result_.completed;
}

void Simulation::watch_reservation() {
  const auto& r = engine_.scheduler().reservation();
  if (!r || r->start == kNever) return;
  auto it = by_id_.find(r->job);
  if (it == by_id_.end()) return;
  JobRun& run = runs_[it->second];
  if (run.dispatches > 0 || run.promised != kNever) return;
  run.promised = r->start;
  ++result_.reservations;
}

SimResult Simulation::run() {
  const auto wall_start = std::chrono::steady_clock::now();
  // Replay in arrival order (stable: equal arrivals keep trace order).
  std::vector<std::size_t> order(jobs_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return jobs_[a].arrival < jobs_[b].arrival; });
  first_arrival_ = kEpoch + (jobs_.empty() ? 0 : jobs_[order.front()].arrival);

  register_workers();
  std::size_t next = 0;
  while (next < order.size() || !finishes_.empty()) {
    TimeMs now = kNever;
    if (next < order.size()) now = kEpoch + jobs_[order[next]].arrival;
    if (!finishes_.empty()) now = std::min(now, finishes_.top().at);
    // One broker loop turn per instant: what ended, then what arrived, then a tick.
    while (!finishes_.empty() && finishes_.top().at == now) {
      const std::size_t j = finishes_.top().job;
      finishes_.pop();
      finish(j, now);
    }
    while (next < order.size() && kEpoch + jobs_[order[next]].arrival == now) {
      const std::size_t j = order[next++];
      const SimJob& job = jobs_[j];
      pb::JobSpec spec;
      spec.set_name("sim");
      spec.set_user(job.user);
      spec.add_argv("true");
      spec.mutable_resources()->set_cpus(job.cpus);
      spec.set_time_limit_s(job.limit_s);
      spec.set_priority(job.priority);
      auto id = engine_.submit(std::move(spec), now);
      drain(now);
      if (!id) {
        violation("trace #" + std::to_string(j) + " was refused: " + id.error());
        continue;
      }
      runs_[j].id = *id;
      by_id_[*id] = j;
    }
    engine_.on_tick(now);
    ++result_.passes;
    drain(now);
    watch_reservation();
  }
  result_.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return summarize();
}

SimResult Simulation::summarize() {
  std::uint64_t never_ran = 0, unfinished = 0;
  std::vector<double> waits;
  waits.reserve(jobs_.size());
  double cpu_ms = 0;
  for (std::size_t j = 0; j < jobs_.size(); ++j) {
    const JobRun& run = runs_[j];
    if (run.id == 0) continue;  // refused, already reported
    if (run.dispatches == 0) {
      ++never_ran;
      continue;
    }
    if (run.finished < 0) ++unfinished;
    waits.push_back(double(run.dispatched - (kEpoch + jobs_[j].arrival)) / 1000.0);
    cpu_ms += double(jobs_[j].cpus) * double(jobs_[j].runtime);
  }
  if (never_ran) violation(std::to_string(never_ran) + " job(s) never dispatched");
  if (unfinished) violation(std::to_string(unfinished) + " job(s) dispatched but never finished");
  for (const auto& [id, job] : engine_.jobs())
    if (job.summary() != pb::COMPLETED) {
      violation("the broker reports job " + std::to_string(id) + " as " + state_name(job.summary()));
      break;
    }
  if (violations_dropped_)
    result_.violations.push_back("... and " + std::to_string(violations_dropped_) + " more violation(s)");

  SimResult& r = result_;
  r.makespan = result_.completed ? last_finish_ - first_arrival_ : 0;
  double cpus = 0;
  for (const SimWorker& w : workers_) cpus += w.cpus;
  r.utilization = r.makespan > 0 && cpus > 0 ? cpu_ms / (cpus * double(r.makespan)) : 0;
  if (!waits.empty()) {
    double sum = 0;
    for (double w : waits) sum += w;
    r.mean_wait_s = sum / double(waits.size());
    r.max_wait_s = *std::max_element(waits.begin(), waits.end());
    const std::size_t k = std::min(waits.size() - 1, static_cast<std::size_t>(std::ceil(0.95 * double(waits.size()))) - 1);
    std::nth_element(waits.begin(), waits.begin() + static_cast<std::ptrdiff_t>(k), waits.end());
    r.p95_wait_s = waits[k];
  }
  return r;
}

}  // namespace

SimResult simulate(const std::vector<SimJob>& jobs, const std::vector<SimWorker>& workers, const BrokerConfig& cfg) {
  Simulation s(jobs, workers, cfg);
  return s.run();
}

}  // namespace baton::sim
