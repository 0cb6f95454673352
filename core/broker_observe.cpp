// The engine's monitoring side: counters (always) and transition events
// (while a capture is on). Called from the paths that already make each
// transition; never changes scheduling state. See broker_stats.h and
// broker_events.h.
#include "core/broker_engine.h"

namespace baton {

void BrokerEngine::observe_submitted(const Job& job, TimeMs now) {
  ++stats_.queue(job.queue).submitted_jobs;
  if (!capture_) return;
  BrokerEvent& e = events_.emplace_back();
  e.key = EventKey{now, job.id, EventKind::Submitted, 0};
  e.is_array = job.is_array;
  e.user = job.spec.user();
  e.name = job.spec.name();
  e.queue = job.queue;
}

void BrokerEngine::observe_started(const Job& job, std::uint64_t ordinal, const TaskRecord& rec, const Worker& w,
                                   TimeMs now) {
  ++stats_.queue(job.queue).started_tasks;
  if (rec.attempt == 1) stats_.submit_to_start.observe(now > job.submit_ms ? now - job.submit_ms : 0);
  if (!capture_) return;
  BrokerEvent& e = events_.emplace_back();
  e.key = EventKey{now, job.id, EventKind::Started, job.index_of(ordinal)};
  e.is_array = job.is_array;
  e.attempt = rec.attempt;
  e.state = pb::RUNNING;
  e.worker = w.name;
}

void BrokerEngine::observe_finished(const Job& job, std::uint64_t ordinal, const TaskRecord& rec, TimeMs now) {
  QueueCounters& q = stats_.queue(job.queue);
  const auto s = static_cast<std::size_t>(rec.state);
  if (s < q.finished.size()) ++q.finished[s];
  if (!capture_) return;
  BrokerEvent& e = events_.emplace_back();
  e.key = EventKey{now, job.id, EventKind::Finished, job.index_of(ordinal)};
  e.is_array = job.is_array;
  e.attempt = rec.attempt;
  e.state = rec.state;
  e.exit_code = rec.exit_code;
  e.signal = rec.signal;
  e.worker = pool_.name_of(rec.worker);
}

void BrokerEngine::observe_job_finished(const Job& job, TimeMs now) {
  if (!capture_) return;
  BrokerEvent& e = events_.emplace_back();
  e.key = EventKey{now, job.id, EventKind::JobFinished, 0};
  e.is_array = job.is_array;
  e.state = job.summary();
  e.exit_code = job.worst_code;
}

void BrokerEngine::observe_worker(const Worker& w, EventKind kind, TimeMs now) {
  if (!capture_) return;
  BrokerEvent& e = events_.emplace_back();
  e.key = EventKey{now, 0, kind, w.slot};
  e.worker = w.name;
}

}  // namespace baton
