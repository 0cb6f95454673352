// Test doubles for core/'s seams: a clock you advance, a journal that records
// (and can be told to fail), a launcher that records what it started, and an
// output reader with files in memory.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/journal.h"
#include "core/launcher.h"
#include "core/output_reader.h"

namespace baton::test {

// 2026-11-25T00:00:00Z: a realistic epoch, so no time is ever 0.
constexpr TimeMs kT0 = 1795564800000;

class FakeClock : public Clock {
 public:
  explicit FakeClock(TimeMs start = kT0) : now_(start) {}
  TimeMs now() const override { return now_; }
  void advance(TimeMs ms) { now_ += ms; }
  void set(TimeMs t) { now_ = t; }

 private:
  TimeMs now_;
};

// Keeps the latest row per job and task, like the real journal, plus a log of
// task transitions. recovered() turns it into what a restart would load.
class MemoryJournal : public Journal {
 public:
  void record_job(const Job& job) override {
    auto& r = jobs[job.id];
    r.id = job.id;
    r.spec = job.spec.full();
    r.submit_ms = job.submit_ms;
    next_id = std::max(next_id, job.id + 1);
    ++writes;
  }
  void record_job_state(const Job& job) override {
    auto& r = jobs[job.id];
    r.end_ms = job.end_ms;
    r.cancelled_pending = job.extras().cancelled_pending.to_string();
    ++writes;
  }
  void record_task(const Job& job, std::uint64_t ordinal, const TaskRecord& t, const std::string& worker,
                   TimeMs) override {
    tasks[{job.id, ordinal}] = RecoveredTask{job.id, ordinal, t, worker};
    events.push_back({job.task_name(ordinal), t.state, t.attempt});
    ++writes;
  }
  void record_cron(const pb::CronEntry& e) override {
    cron[e.name()] = e;
    ++writes;
  }
  void remove_cron(const std::string& name) override {
    cron.erase(name);
    ++writes;
  }
  RecoveredState recovered() const {
    RecoveredState s;
    for (const auto& [name, e] : cron) s.cron.push_back(e);
    s.next_job_id = next_id;
    for (const auto& [id, j] : jobs) s.jobs.push_back(j);
    for (const auto& [k, t] : tasks) s.tasks.push_back(t);
    return s;
  }

  struct Event {
    std::string task;
    TaskState state;
    Attempt attempt;
  };
  std::map<JobId, RecoveredJob> jobs;
  std::map<std::pair<JobId, std::uint64_t>, RecoveredTask> tasks;
  std::vector<Event> events;
  std::map<std::string, pb::CronEntry> cron;
  JobId next_id = 1;
  int writes = 0;
};

class FakeLauncher : public Launcher {
 public:
  Result<int> launch(const LaunchSpec& spec) override {
    if (fail_next) {
      fail_next = false;
      return Status::error("cannot run '" + (spec.argv.empty() ? std::string("?") : spec.argv[0]) + "': No such file or directory");
    }
    launched.push_back(spec);
    return next_pid++;
  }
  void signal_group(int pid, int sig) override { signals.push_back({pid, sig}); }

  std::vector<LaunchSpec> launched;
  std::vector<std::pair<int, int>> signals;
  int next_pid = 1000;
  bool fail_next = false;
};

// Files by path, in memory; records each read. Honours offset and max_bytes;
// a tail read starts at 0 (line counting is FileOutputReader's, tested in exec/).
class FakeOutputReader : public OutputReader {
 public:
  Result<OutputChunk> read(const OutputRead& r) override {
    reads.push_back(r);
    auto f = files.find(r.path);
    if (f == files.end()) return Status::error("cannot read " + r.path + ": No such file or directory");
    OutputChunk c;
    c.size = f->second.size();
    c.offset = r.tail_lines ? 0 : r.offset;
    if (c.offset < c.size) c.data = f->second.substr(c.offset, r.max_bytes);
    return c;
  }

  std::map<std::string, std::string> files;
  std::vector<OutputRead> reads;
};

}  // namespace baton::test
