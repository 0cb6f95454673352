// Event kinds' names and the cursor text (see broker_events.h).
#include "core/broker_events.h"

#include <charconv>

namespace baton {

const char* event_kind_name(EventKind k) {
  switch (k) {
    case EventKind::WorkerJoined: return "worker_joined";
    case EventKind::WorkerLost: return "worker_lost";
    case EventKind::WorkerDrained: return "worker_drained";
    case EventKind::WorkerResumed: return "worker_resumed";
    case EventKind::Submitted: return "submitted";
    case EventKind::Started: return "started";
    case EventKind::Finished: return "finished";
    case EventKind::JobFinished: return "job_finished";
  }
  return "unknown";
}

std::string format_cursor(const EventKey& k) {
  return std::to_string(k.time_ms) + "-" + std::to_string(k.job) + "-" +
         std::to_string(static_cast<int>(k.kind)) + "-" + std::to_string(k.index);
}

std::optional<EventKey> parse_cursor(const std::string& text) {
  std::uint64_t parts[4] = {};
  const char* p = text.data();
  const char* end = p + text.size();
  for (int i = 0; i < 4; ++i) {
    auto [next, ec] = std::from_chars(p, end, parts[i]);
    if (ec != std::errc() || next == p) return std::nullopt;
    p = next;
    if (i < 3) {
      if (p == end || *p != '-') return std::nullopt;
      ++p;
    }
  }
  if (p != end || parts[2] > static_cast<std::uint64_t>(EventKind::JobFinished) || parts[0] > INT64_MAX)
    return std::nullopt;
  return EventKey{static_cast<TimeMs>(parts[0]), parts[1], static_cast<EventKind>(parts[2]), parts[3]};
}

void BrokerEvent::to_proto(pb::ObsEvent* out) const {
  out->set_cursor(format_cursor(key));
  out->set_kind(event_kind_name(key.kind));
  out->set_time_ms(key.time_ms);
  const bool task = key.kind == EventKind::Started || key.kind == EventKind::Finished;
  if (key.job) out->set_job(key.job);
  if (task) out->set_index(static_cast<std::uint32_t>(key.index));
  out->set_is_array(is_array);
  if (attempt) out->set_attempt(attempt);
  if (state != pb::TASK_STATE_UNSPECIFIED) out->set_state(state);
  out->set_exit_code(exit_code);
  out->set_signal(signal);
  out->set_worker(worker);
  out->set_user(user);
  out->set_name(name);
  out->set_queue(queue);
}

}  // namespace baton
