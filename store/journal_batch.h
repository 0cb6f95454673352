// One loop turn's journal writes as data: the Journal sink a replicated
// broker's engine writes to (see ha/). Instead of SQL, each record_* call
// appends the row it stands for to a pb::JournalBatch; the batch goes
// through the Raft log, and every broker applies it to its own SQLite with
// SqliteJournal::apply(), which writes the very rows record_* would have.
//
// This file knows the domain types and the wire rows; it writes nothing.
#pragma once

#include <cstddef>

#include "baton.pb.h"
#include "core/journal.h"

namespace baton {

class BatchJournal final : public Journal {
 public:
  void record_job(const Job& job) override;
  void record_job_state(const Job& job) override;
  void record_task(const Job& job, std::uint64_t ordinal, const TaskRecord& task, const std::string& worker,
                   TimeMs now) override;
  // Retention: delete finished jobs that ended before `cutoff_ms`, at most
  // `budget` rows (SqliteJournal::purge on every broker).
  void record_purge(TimeMs cutoff_ms, std::size_t budget);

  bool empty() const { return batch_.ops_size() == 0; }
  const pb::JournalBatch& batch() const { return batch_; }
  void clear() { batch_.Clear(); }

 private:
  pb::JournalBatch batch_;
};

// The task row's record, as record_task was given it.
TaskRecord task_record(const pb::TaskRow& row);

}  // namespace baton
