// `baton top`'s model (see top_model.h).
#include "cmd/top_model.h"

#include <algorithm>
#include <sstream>

#include "core/ids.h"
#include "core/timefmt.h"

namespace baton::cli {

const char* sort_name(TopSort s) {
  switch (s) {
    case TopSort::Elapsed: return "elapsed";
    case TopSort::Job: return "job";
    case TopSort::User: return "user";
    case TopSort::Worker: return "worker";
  }
  return "elapsed";
}

TopSort next_sort(TopSort s) {
  switch (s) {
    case TopSort::Elapsed: return TopSort::Job;
    case TopSort::Job: return TopSort::User;
    case TopSort::User: return TopSort::Worker;
    case TopSort::Worker: return TopSort::Elapsed;
  }
  return TopSort::Elapsed;
}

namespace {

void count(TopCounts& c, pb::TaskState s, std::uint64_t n) {
  switch (s) {
    case pb::PENDING: c.pending += n; break;
    case pb::RUNNING: c.running += n; break;
    case pb::COMPLETED: c.completed += n; break;
    case pb::FAILED: c.failed += n; break;
    case pb::CANCELLED: c.cancelled += n; break;
    case pb::TIMEOUT: c.timeout += n; break;
    default: break;
  }
}

}  // namespace

TopSnapshot make_snapshot(const pb::StatusReply& status, const pb::WorkersReply& workers, const TopFilter& filter,
                          TimeMs now) {
  TopSnapshot s;
  for (const pb::JobInfo& j : status.jobs()) {
    const std::string queue = j.queue().empty() ? "default" : j.queue();
    if (!filter.user.empty() && j.user() != filter.user) continue;
    if (!filter.queue.empty() && queue != filter.queue) continue;
    TopCounts& u = s.by_user[j.user()];
    auto add = [&](pb::TaskState st, std::uint64_t n) {
      count(s.total, st, n);
      count(u, st, n);
    };
    add(pb::PENDING, j.pending_count());
    add(pb::CANCELLED, j.cancelled_count());
    for (const pb::TaskRange& r : j.finished()) add(r.state(), r.count());
    for (const pb::TaskInfo& t : j.tasks()) {
      add(t.state(), 1);
      if (t.state() != pb::RUNNING) continue;
      TopRunning row;
      row.job = j.id();
      row.task = format_task(j.id(), t.index(), j.is_array());
      row.user = j.user();
      row.name = j.name();
      row.worker = t.worker();
      row.queue = queue;
      row.elapsed_ms = t.start_ms() > 0 && now > t.start_ms() ? now - t.start_ms() : 0;
      s.running.push_back(std::move(row));
    }
  }
  for (const pb::WorkerInfo& w : workers.workers()) {
    if (!filter.queue.empty() &&
        std::find(w.queues().begin(), w.queues().end(), filter.queue) == w.queues().end())
      continue;
    TopWorker tw;
    tw.name = w.name();
    tw.state = w.state();
    tw.cpus = w.capacity().cpus();
    tw.cpus_used = std::min(w.used().cpus(), w.capacity().cpus());
    tw.tasks = static_cast<std::size_t>(w.tasks_size());
    s.workers.push_back(std::move(tw));
  }
  sort_running(s.running, TopSort::Elapsed);
  return s;
}

void sort_running(std::vector<TopRunning>& rows, TopSort by) {
  auto key = [by](const TopRunning& a, const TopRunning& b) {
    switch (by) {
      case TopSort::Elapsed:
        if (a.elapsed_ms != b.elapsed_ms) return a.elapsed_ms > b.elapsed_ms;
        break;
      case TopSort::Job: break;
      case TopSort::User:
        if (a.user != b.user) return a.user < b.user;
        break;
      case TopSort::Worker:
        if (a.worker != b.worker) return a.worker < b.worker;
        break;
    }
    if (a.job != b.job) return a.job < b.job;
    return a.task < b.task;
  };
  std::stable_sort(rows.begin(), rows.end(), key);
}

void Throughput::add(TimeMs now, std::uint64_t finished) {
  if (primed_ && now > last_ms_) {
    const double done = finished > last_total_ ? static_cast<double>(finished - last_total_) : 0.0;
    rates_.push_back(done * 1000.0 / static_cast<double>(now - last_ms_));
    while (rates_.size() > keep_) rates_.pop_front();
  }
  primed_ = true;
  last_ms_ = now;
  last_total_ = finished;
}

std::string Throughput::sparkline(std::size_t width) const {
  static constexpr char kLevels[] = " .:-=+*#";
  constexpr std::size_t kTop = sizeof kLevels - 2;
  const std::size_t n = std::min(width, rates_.size());
  double peak = 0;
  for (std::size_t i = rates_.size() - n; i < rates_.size(); ++i) peak = std::max(peak, rates_[i]);
  std::string out;
  for (std::size_t i = rates_.size() - n; i < rates_.size(); ++i) {
    std::size_t level = 0;
    if (peak > 0 && rates_[i] > 0) level = 1 + static_cast<std::size_t>((rates_[i] / peak) * (kTop - 1) + 0.5);
    out += kLevels[std::min(level, kTop)];
  }
  return out;
}

std::string load_bar(std::uint32_t used, std::uint32_t total, std::size_t width) {
  std::size_t fill = total ? (static_cast<std::size_t>(used) * width + total - 1) / total : 0;
  fill = std::min(fill, width);
  return std::string(fill, '#') + std::string(width - fill, '.');
}

std::string render_plain(const TopSnapshot& s, const Throughput& t, TopSort sort) {
  std::ostringstream o;
  const TopCounts& c = s.total;
  o << "TASKS pending " << c.pending << " running " << c.running << " completed " << c.completed << " failed "
    << c.failed << " cancelled " << c.cancelled << " timeout " << c.timeout << "\n";
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f", t.last());
  o << "THROUGHPUT " << rate << "/s\n\n";
  o << "USER PENDING RUNNING DONE FAILED\n";
  for (const auto& [user, u] : s.by_user)
    o << user << " " << u.pending << " " << u.running << " " << u.completed << " " << (u.failed + u.timeout) << "\n";
  o << "\nWORKER STATE LOAD CPUS TASKS\n";
  for (const TopWorker& w : s.workers)
    o << w.name << " " << w.state << " [" << load_bar(w.cpus_used, w.cpus, 10) << "] " << w.cpus_used << "/" << w.cpus
      << " " << w.tasks << "\n";
  std::vector<TopRunning> rows = s.running;
  sort_running(rows, sort);
  o << "\nTASK USER WORKER ELAPSED NAME\n";
  for (const TopRunning& r : rows)
    o << r.task << " " << r.user << " " << r.worker << " " << format_elapsed(r.elapsed_ms) << " " << r.name << "\n";
  return o.str();
}

}  // namespace baton::cli
