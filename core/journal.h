// The broker's durable record, as core/ sees it. store/ implements it on
// SQLite; tests use an in-memory fake that can be told to fail.
//
// Contract: record_* calls stage writes in the current group; the daemon loop
// commits the group once per turn and only then sends what the turn produced
// (replies, assignments). So nothing is acknowledged before it is durable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "baton.pb.h"
#include "core/job.h"

namespace baton {

class Journal {
 public:
  virtual ~Journal() = default;

  // A new job, or a change to its spec (update, hold, release). Also advances
  // the stored id high-water mark, so ids are never reused.
  virtual void record_job(const Job& job) = 0;
  // The job's summary state, end time, wait code and cancelled-while-pending set.
  virtual void record_job_state(const Job& job) = 0;
  // A task's new state (the journal also counts how often it was recorded final).
  virtual void record_task(const Job& job, std::uint64_t ordinal, const TaskRecord& task,
                           const std::string& worker, TimeMs now) = 0;
  // A recurring entry, whole: added, changed, or a run recorded (its
  // last_scheduled_ms rises in the same group as the run's job, so no
  // scheduled time runs twice). Keyed by name; replaces the stored one.
  virtual void record_cron(const pb::CronEntry& entry) = 0;
  // The entry of this name is gone (its runs stay, as jobs).
  virtual void remove_cron(const std::string& name) = 0;
};

// What the journal gives back at start-up.
struct RecoveredJob {
  JobId id = 0;
  pb::JobSpec spec;
  TimeMs submit_ms = 0;
  TimeMs end_ms = 0;
  std::string cancelled_pending;  // IntervalSet text of ordinals
};

struct RecoveredTask {
  JobId job = 0;
  std::uint64_t ordinal = 0;
  TaskRecord record;
  std::string worker;  // name of the worker it ran on
};

struct RecoveredState {
  JobId next_job_id = 1;
  std::vector<RecoveredJob> jobs;    // ascending id
  std::vector<RecoveredTask> tasks;  // ascending (job, ordinal)
  std::vector<pb::CronEntry> cron;   // ascending name
};

}  // namespace baton
