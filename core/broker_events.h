// Job and worker transitions as the broker records them, for `baton events`
// and integrations. Plain data: the engine appends one per transition while a
// capture is on (someone follows), the daemon hands them to followers after
// the turn's journal commit. The same events are derived from the journal's
// rows after a restart (store/event_replay), with the same keys.
//
// Ordering and the cursor: an event's key is (time_ms, job, kind, index),
// where time_ms is the broker's clock at the loop turn that recorded it (the
// turn's `now`, the same value the journal row holds: jobs.submit_ms,
// tasks.dispatched_ms, tasks.eligible_ms of a finished task, jobs.end_ms).
// Turn times never go backwards, so once a turn with a later `now` has
// committed, no event can still appear with a key at or below the earlier
// time: events are "settled" and may be handed out. A cursor is the text of
// a key; "everything after the cursor" is then exact, across restarts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "baton.pb.h"
#include "core/clock.h"
#include "core/ids.h"

namespace baton {

// The numbers are part of the cursor: never renumber.
enum class EventKind : std::uint8_t {
  WorkerJoined = 0,
  WorkerLost = 1,
  WorkerDrained = 2,
  WorkerResumed = 3,
  Submitted = 4,
  Started = 5,
  Finished = 6,
  JobFinished = 7,
};
const char* event_kind_name(EventKind k);

struct EventKey {
  TimeMs time_ms = 0;
  JobId job = 0;          // worker events: 0
  EventKind kind = EventKind::Submitted;
  std::uint64_t index = 0;  // array index; worker events: the worker's slot
  auto operator<=>(const EventKey&) const = default;
};

// "TIME-JOB-KIND-INDEX", decimal. Opaque to users.
std::string format_cursor(const EventKey& k);
std::optional<EventKey> parse_cursor(const std::string& text);

struct BrokerEvent {
  EventKey key;
  bool is_array = false;
  Attempt attempt = 0;
  pb::TaskState state = pb::TASK_STATE_UNSPECIFIED;
  std::int32_t exit_code = 0;
  std::int32_t signal = 0;
  std::string worker;
  std::string user, name, queue;  // submitted

  void to_proto(pb::ObsEvent* out) const;
};

}  // namespace baton
