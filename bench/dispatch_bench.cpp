// Dispatch cost against queue length: a broker with one 64-cpu worker and N
// pending tasks; each iteration is one steady-state cycle: a task finishes,
// a new one is submitted, and the scheduler pass dispatches the next one.
// The engine runs with a journal that discards writes, so this measures the
// scheduler and engine alone (see BENCHMARKS.md for the journal's cost).
#include <benchmark/benchmark.h>

#include "core/broker_engine.h"

namespace {

using namespace baton;

class NullJournal : public Journal {
 public:
  void record_job(const Job&) override {}
  void record_job_state(const Job&) override {}
  void record_task(const Job&, std::uint64_t, const TaskRecord&, const std::string&, TimeMs) override {}
  void record_cron(const pb::CronEntry&) override {}
  void remove_cron(const std::string&) override {}
};

constexpr TimeMs kT0 = 1795564800000;

pb::JobSpec job_spec(const std::string& array = "") {
  pb::JobSpec s;
  s.set_name("bench");
  s.set_user("bench");
  s.add_argv("true");
  s.set_cwd("/tmp");
  if (!array.empty()) s.set_array(array);
  return s;
}

struct Bench {
  NullJournal journal;
  Outbox out;
  TimeMs now = kT0;
  std::unique_ptr<BrokerEngine> engine;
  std::deque<pb::TaskRef> running;

  explicit Bench(BrokerConfig cfg) {
    cfg.heartbeat_ms = 365 * kDay;  // no liveness expiry in benchmark time
    engine = std::make_unique<BrokerEngine>(cfg, journal, out, now);
    pb::Envelope reg;
    reg.mutable_register_()->set_name("w");
    reg.mutable_register_()->mutable_capacity()->set_cpus(64);
    engine->on_worker_message("w", reg, now);
    drain();
  }
  void drain() {
    for (const Outgoing& o : out.take())
      if (o.message.has_assign())
        for (const auto& a : o.message.assign().tasks()) running.push_back(a.task());
  }
  void finish_one() {
    pb::Envelope fin;
    pb::TaskResult* r = fin.mutable_finished()->mutable_result();
    *r->mutable_task() = running.front();
    running.pop_front();
    r->set_outcome(pb::EXITED);
    engine->on_worker_message("w", fin, now);
  }
};

// N single-task jobs pending; each cycle submits one more, so N stays put.
void BM_DispatchJobs(benchmark::State& state) {
  const auto pending = static_cast<std::size_t>(state.range(0));
  Bench b{BrokerConfig{}};
  for (std::size_t i = 0; i < pending + 64; ++i) (void)b.engine->submit(job_spec(), b.now);
  b.engine->on_tick(b.now);
  b.drain();
  for (auto _ : state) {
    b.now += 1;
    b.finish_one();
    (void)b.engine->submit(job_spec(), b.now);
    b.engine->on_tick(b.now);
    b.drain();
  }
  state.counters["pending"] = static_cast<double>(b.engine->scheduler().queue().size());
  state.SetItemsProcessed(state.iterations());
}

// One array of N pending tasks; each cycle finishes one and dispatches the next.
void BM_DispatchArray(benchmark::State& state) {
  const auto pending = static_cast<std::uint64_t>(state.range(0));
  BrokerConfig cfg;
  cfg.max_array_size = 100000000;
  Bench b{cfg};
  (void)b.engine->submit(job_spec("0-" + std::to_string(pending + 64 + 20000)), b.now);
  b.engine->on_tick(b.now);
  b.drain();
  for (auto _ : state) {
    b.now += 1;
    b.finish_one();
    b.engine->on_tick(b.now);
    b.drain();
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_DispatchJobs)->Arg(1000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMicrosecond)->Iterations(20000);
BENCHMARK(BM_DispatchArray)->Arg(1000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMicrosecond)->Iterations(20000);
