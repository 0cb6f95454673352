// The broker's journal on SQLite: implements core/journal.h, and gives the
// broker its state back at start-up (load) and the accounting view (history).
//
// Writes are grouped. The first record_* call of a group opens a write
// transaction (BEGIN IMMEDIATE); commit() makes the whole group durable at
// once. record_* cannot report errors (the Journal sink has no return
// values): the first failure is kept, later writes of the group are skipped,
// and commit() rolls the group back and returns that failure. A failed commit
// is always reported and leaves the journal ready for the next group. Task
// rows are staged and written in batches, at the latest by commit(); reads
// through the open group write them first.
//
// Destroying the journal with a group open rolls the group back: nothing is
// durable until commit() says so. That is what a crash does too.
//
// The file runs in WAL mode. Thread-safety: none; one thread uses a journal.
// This file knows SQLite and the domain types; it sends nothing and reads no clock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "baton.pb.h"
#include "core/journal.h"
#include "core/status.h"

namespace baton {

struct JournalOptions {
  std::string path;        // the SQLite file; its parent directory must exist
  bool sync_full = true;   // PRAGMA synchronous=FULL (else NORMAL). Both survive a process
                           // crash; NORMAL may lose the last commits on power loss.
  int busy_timeout_ms = 5000;  // how long a group waits for a write lock held by another
                              // process before its commit fails with "database is locked"
  std::string vfs;         // SQLite VFS name; empty means the default. Tests pass one
                           // that injects I/O errors.
};

class SqliteJournal final : public Journal {
 public:
  // Creates the file, or opens it and applies pending schema migrations.
  // Refuses (naming the path) a file that is not a SQLite database, a SQLite
  // database that is not a journal, and a journal newer than this code.
  static Result<std::unique_ptr<SqliteJournal>> open(const JournalOptions& options);

  ~SqliteJournal() override;  // rolls back an uncommitted group
  SqliteJournal(const SqliteJournal&) = delete;
  SqliteJournal& operator=(const SqliteJournal&) = delete;

  // Journal: stage writes into the open group.
  void record_job(const Job& job) override;
  void record_job_state(const Job& job) override;
  void record_task(const Job& job, std::uint64_t ordinal, const TaskRecord& task,
                   const std::string& worker, TimeMs now) override;

  // Makes the staged group durable. Ok (and does nothing) when nothing is
  // staged. On failure nothing of the group is kept and the error says what
  // failed and why (e.g. "database or disk is full").
  Status commit();
  bool group_open() const { return group_open_; }
  // Rolls back whatever is staged, without reporting it (the broker drops a
  // group it knows cannot be written).
  void abandon() { if (group_open_) end_group(); }
  // A small write of its own (about 64 KiB, then deleted), committed: can the
  // journal be written again after a failed commit (disk full, I/O error)?
  // REQUIRES: no group open.
  Status probe();

  // Everything needed to rebuild the broker (see core/journal.h). Reads
  // through the open group, if any.
  Result<RecoveredState> load();

  // Finished jobs that pass the filter (see pb::HistoryRequest: end time
  // window, user, final states, name, ids, limit), newest first, each with
  // the TaskInfo of its task rows.
  Result<std::vector<pb::JobInfo>> history(const pb::HistoryRequest& filter);

  // Retention: stages the deletion of finished jobs that ended before
  // `cutoff_ms` (their tasks first), at most `budget` rows, oldest first,
  // into the open group. Returns the rows
  // staged; fewer than `budget` means nothing older is left. A failure
  // poisons the group like any write.
  Result<std::size_t> purge(TimeMs cutoff_ms, std::size_t budget);

  // Replicated brokers (see ha/): applies one turn's rows, written by the
  // leader as a pb::JournalBatch, in one transaction that also records
  // `index`, the Raft log index the batch came at. A batch at or below the
  // recorded index was applied before and is skipped, so replaying the log
  // is harmless. REQUIRES: no group open.
  Status apply(const pb::JournalBatch& batch, std::uint64_t index);
  // The Raft index of the last batch applied (0: none).
  Result<std::uint64_t> applied_index();

  // SQLite's integrity check plus the journal's own invariants; the error
  // names the first problems found.
  Status check();
  // A standalone copy of the committed journal at `dest_path` (replaced if it
  // exists), written beside it first and renamed into place.
  // REQUIRES: no group open.
  Status backup(const std::string& dest_path);

  std::int64_t schema_version() const { return schema_version_; }
  const std::string& path() const { return path_; }

 private:
  struct Sql;  // the connection, its prepared statements, the staged task rows (sqlite_journal.cpp)
  SqliteJournal(std::string path, std::unique_ptr<Sql> sql, std::int64_t schema_version);

  bool stage();  // opens the group if needed; false if the group has already failed
  // The rows, as the record_* calls and apply() write them. REQUIRES: stage().
  struct JobFields {
    JobId id;
    std::string_view name, user;
    TimeMs submit_ms;
    int state;
    TimeMs end_ms;
    int wait_code;
    bool is_array;
    std::uint64_t n_tasks;
    std::string_view spec, cancelled;
  };
  void put_job(const JobFields& f);
  void put_job_state(JobId id, int state, TimeMs end_ms, int wait_code, std::string_view cancelled);
  void put_task(JobId job, bool is_array, std::uint64_t ordinal, TaskIndex index, const TaskRecord& task,
                std::string_view worker);
  // Looks up (or finds cached) the job's first task key; false, with the
  // group failed, if the job has no row.
  bool find_first_task(JobId job);
  // Writes the staged task rows (kTaskBatch at a time by one statement,
  // whose fixed cost is most of a small row's, the rest one by one) and
  // unstages them; false if the group has failed.
  bool write_staged();
  void fail(const std::string& what, int rc);
  void end_group();  // rolls back whatever SQLite still holds open, clears the group

  const std::string path_;
  const std::int64_t schema_version_;
  std::unique_ptr<Sql> sql_;
  bool group_open_ = false;
  Status group_error_;    // the first failure of the open group
  std::string spec_buf_;  // scratch buffers reused by the write path
  std::string text_buf_;
  // The last job whose task key range record_task looked up (0: none). Good
  // for the open group only: a rollback may take the job's row with it.
  JobId cached_job_ = 0;
  std::int64_t cached_first_task_ = 0;
};

}  // namespace baton
