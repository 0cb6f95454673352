// Counters the broker engine keeps for monitoring: plain numbers, bumped on
// the paths that already do the work (a few integer adds per transition), read
// by the metrics adapter (cmd/metrics_*) once per loop turn. Counters only
// grow for the life of one engine; the adapter turns a rebuilt engine's
// restart from zero into increments (it remembers what it last saw).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"

namespace baton {

// A fixed-bucket histogram of durations in milliseconds: no allocation, one
// short scan per observation. Bounds are the Prometheus bucket upper bounds.
struct DurationHistogram {
  static constexpr std::array<TimeMs, 12> kBoundsMs{1, 5, 10, 50, 100, 500, 1000, 5000, 10000, 60000, 300000, 3600000};
  std::array<std::uint64_t, kBoundsMs.size() + 1> counts{};  // last: +Inf
  std::uint64_t total = 0;
  double sum_ms = 0;

  void observe(TimeMs ms) {
    std::size_t i = 0;
    while (i < kBoundsMs.size() && ms > kBoundsMs[i]) ++i;
    ++counts[i];
    ++total;
    sum_ms += static_cast<double>(ms);
  }
};

// Per-queue counters. Queues are few: a short vector searched linearly.
struct QueueCounters {
  std::string queue;
  std::uint64_t submitted_jobs = 0;
  std::uint64_t started_tasks = 0;
  std::array<std::uint64_t, 8> finished{};  // by TaskState value (COMPLETED..TIMEOUT used)
};

struct BrokerStats {
  std::vector<QueueCounters> queues;
  DurationHistogram submit_to_start;  // a task's first dispatch minus its job's submit time

  QueueCounters& queue(const std::string& name) {
    for (QueueCounters& q : queues)
      if (q.queue == name) return q;
    return queues.emplace_back(QueueCounters{name});
  }
};

}  // namespace baton
