// What `baton top` shows, computed from the broker's status and workers
// replies: task counts by state and by user, workers with their load, the
// running tasks, and throughput over the last minutes. No terminal here:
// top_cmd.cpp draws it (ncurses) or prints it once (plain text), and
// tests/cmd/top_model_test.cpp checks it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "baton.pb.h"
#include "core/clock.h"

namespace baton::cli {

enum class TopSort { Elapsed, Job, User, Worker };
const char* sort_name(TopSort s);
TopSort next_sort(TopSort s);

struct TopFilter {
  std::string user;   // empty: everyone
  std::string queue;  // empty: every queue
};

struct TopCounts {
  std::uint64_t pending = 0, running = 0, completed = 0, failed = 0, cancelled = 0, timeout = 0;
  std::uint64_t finished() const { return completed + failed + cancelled + timeout; }
};

struct TopRunning {
  std::string task, user, name, worker, queue;
  std::uint64_t job = 0;
  TimeMs elapsed_ms = 0;
};

struct TopWorker {
  std::string name, state;
  std::uint32_t cpus = 0, cpus_used = 0;
  std::size_t tasks = 0;
};

struct TopSnapshot {
  TopCounts total;
  std::map<std::string, TopCounts> by_user;
  std::vector<TopWorker> workers;
  std::vector<TopRunning> running;
};

// One refresh's view. `now` is the client's wall clock (for elapsed times).
TopSnapshot make_snapshot(const pb::StatusReply& status, const pb::WorkersReply& workers, const TopFilter& filter,
                          TimeMs now);
void sort_running(std::vector<TopRunning>& rows, TopSort by);

// Finished tasks per second between refreshes, for the sparkline.
class Throughput {
 public:
  explicit Throughput(std::size_t keep = 120) : keep_(keep) {}
  // The finished-task total at `now`; a smaller total than before (jobs left
  // the broker's memory) counts as no progress.
  void add(TimeMs now, std::uint64_t finished);
  const std::deque<double>& rates() const { return rates_; }
  double last() const { return rates_.empty() ? 0 : rates_.back(); }
  // The last `width` rates as one character each, " .:-=+*#" from low to high.
  std::string sparkline(std::size_t width) const;

 private:
  std::size_t keep_;
  std::deque<double> rates_;
  TimeMs last_ms_ = 0;
  std::uint64_t last_total_ = 0;
  bool primed_ = false;
};

// A bar of `width` characters: '#' used, '.' free.
std::string load_bar(std::uint32_t used, std::uint32_t total, std::size_t width);

// The one-shot text of `baton top` when stdout is not a terminal.
std::string render_plain(const TopSnapshot& s, const Throughput& t, TopSort sort);

}  // namespace baton::cli
