// Prometheus metrics of a worker (see worker_metrics.h).
#include "cmd/worker_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace baton::cli {

struct WorkerMetrics::State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<prometheus::Exposer> exposer;
  prometheus::Gauge* running;
  prometheus::Gauge* queued;
  prometheus::Gauge* unacked;
  prometheus::Gauge* cpus;
  prometheus::Counter* launched;
  prometheus::Counter* launch_failures;
  prometheus::Family<prometheus::Counter>* exits;
  prometheus::Counter* cpu_seconds;
  prometheus::Gauge* max_rss;
};

WorkerMetrics::WorkerMetrics(std::unique_ptr<State> s) : s_(std::move(s)) {}
WorkerMetrics::~WorkerMetrics() = default;

Result<std::unique_ptr<WorkerMetrics>> WorkerMetrics::start(const std::string& address, std::uint32_t cpus) {
  using prometheus::BuildCounter;
  using prometheus::BuildGauge;
  auto s = std::make_unique<State>();
  prometheus::Registry& r = *s->registry;
  s->running = &BuildGauge().Name("baton_worker_tasks_running").Help("Tasks running on this worker").Register(r).Add({});
  s->queued = &BuildGauge()
                   .Name("baton_worker_tasks_queued")
                   .Help("Tasks assigned ahead (prefetched), waiting for a free cpu")
                   .Register(r)
                   .Add({});
  s->unacked = &BuildGauge()
                    .Name("baton_worker_results_unacked")
                    .Help("Task results not yet acknowledged by the broker")
                    .Register(r)
                    .Add({});
  s->cpus = &BuildGauge().Name("baton_worker_cpus").Help("Cpus this worker offers").Register(r).Add({});
  s->cpus->Set(cpus);
  s->launched = &BuildCounter()
                     .Name("baton_worker_tasks_launched_total")
                     .Help("Task processes started")
                     .Register(r)
                     .Add({});
  s->launch_failures = &BuildCounter()
                            .Name("baton_worker_launch_failures_total")
                            .Help("Tasks whose process could not be started")
                            .Register(r)
                            .Add({});
  s->exits = &BuildCounter()
                  .Name("baton_worker_tasks_exited_total")
                  .Help("Task processes that ended, by how (exited or signaled)")
                  .Register(r);
  s->exits->Add({{"how", "exited"}});
  s->exits->Add({{"how", "signaled"}});
  s->cpu_seconds = &BuildCounter()
                        .Name("baton_worker_task_cpu_seconds_total")
                        .Help("User and system cpu time of the task processes that ended (rusage)")
                        .Register(r)
                        .Add({});
  s->max_rss = &BuildGauge()
                    .Name("baton_worker_task_max_rss_bytes")
                    .Help("The largest resident set of any task that ended (rusage maxrss)")
                    .Register(r)
                    .Add({});
  try {
    s->exposer = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& e) {
    return Status::error("worker.metrics: cannot listen on " + address + ": " + e.what());
  }
  s->exposer->RegisterCollectable(s->registry);
  return std::unique_ptr<WorkerMetrics>(new WorkerMetrics(std::move(s)));
}

void WorkerMetrics::launched(bool ok) { (ok ? s_->launched : s_->launch_failures)->Increment(); }

void WorkerMetrics::exited(const ProcessExit& e) {
  s_->exits->Add({{"how", e.signal ? "signaled" : "exited"}}).Increment();
  s_->cpu_seconds->Increment(static_cast<double>(e.cpu_ms) / 1000.0);
  const double rss = static_cast<double>(e.max_rss_kb) * 1024.0;
  if (rss > s_->max_rss->Value()) s_->max_rss->Set(rss);
}

void WorkerMetrics::on_turn(const WorkerEngine& engine) {
  s_->running->Set(static_cast<double>(engine.running()));
  s_->queued->Set(static_cast<double>(engine.queued()));
  s_->unacked->Set(static_cast<double>(engine.unacked()));
}

}  // namespace baton::cli
