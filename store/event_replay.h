// `baton events` after the fact: the job and task transitions the journal's
// existing rows still show, as BrokerEvents with the same keys the engine
// gave them live (see core/broker_events.h). Reads only, through its own
// connection, so it sees committed rows alone and never touches the
// journal's write group.
//
// What the rows keep: each job's submission and (once ended) its end; each
// task's last dispatch and, once finished, its end. Earlier attempts of a
// requeued or retried task, worker events, and jobs removed by retention are
// not in the journal and so not replayed.
//
// Cost: it runs on the broker loop, one batch per request. Submissions are
// read by rowid from the cursor's job on; job ends through the end-time
// index; task rows are scanned (no index on their times) with a bounded sort.
// Measured: 100,000 submitted events replayed in 20 batches in 1.6 s end to
// end, about 80 ms of loop time per batch of 5,000.
//
// Thread-safety: none; one thread uses a replay.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/broker_events.h"
#include "core/status.h"

namespace baton {

class EventReplay {
 public:
  static Result<std::unique_ptr<EventReplay>> open(const std::string& journal_path);
  ~EventReplay();
  EventReplay(const EventReplay&) = delete;
  EventReplay& operator=(const EventReplay&) = delete;

  // Events with key > `after` and time_ms < `before_ms`, in key order, at
  // most `limit`.
  Result<std::vector<BrokerEvent>> read(const EventKey& after, TimeMs before_ms, std::size_t limit);

 private:
  struct Sql;
  explicit EventReplay(std::unique_ptr<Sql> sql);
  std::unique_ptr<Sql> sql_;
};

}  // namespace baton
