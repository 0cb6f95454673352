// Prometheus metrics of a worker (`worker.metrics = "HOST:PORT"`): tasks
// running and queued, launches and launch failures, and the resource usage
// (rusage) of the tasks that exited. Built only when metrics are on;
// prometheus-cpp stays inside worker_metrics.cpp.
//
// CountingLauncher wraps the real launcher to count launches; the loop's
// reap hook reports exits; on_turn() copies the engine's gauges once per loop
// turn. Scrapes run on the exposer's thread and only read the metrics.
#pragma once

#include <memory>
#include <string>

#include "core/launcher.h"
#include "core/status.h"
#include "core/worker_engine.h"

namespace baton::cli {

class WorkerMetrics {
 public:
  static Result<std::unique_ptr<WorkerMetrics>> start(const std::string& address, std::uint32_t cpus);
  ~WorkerMetrics();
  WorkerMetrics(const WorkerMetrics&) = delete;
  WorkerMetrics& operator=(const WorkerMetrics&) = delete;

  void launched(bool ok);
  void exited(const ProcessExit& e);
  void on_turn(const WorkerEngine& engine);

 private:
  struct State;
  explicit WorkerMetrics(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

// A Launcher that counts, then defers to the real one.
class CountingLauncher final : public Launcher {
 public:
  CountingLauncher(Launcher& inner, WorkerMetrics* metrics) : inner_(inner), metrics_(metrics) {}
  Result<int> launch(const LaunchSpec& spec) override {
    auto pid = inner_.launch(spec);
    if (metrics_) metrics_->launched(static_cast<bool>(pid));
    return pid;
  }
  void signal_group(int pid, int sig) override { inner_.signal_group(pid, sig); }

 private:
  Launcher& inner_;
  WorkerMetrics* const metrics_;
};

}  // namespace baton::cli
