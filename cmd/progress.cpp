#include "cmd/progress.h"

#include "core/timefmt.h"

namespace baton::cli {

namespace {

void add_state(ProgressCounts& c, pb::TaskState st, std::uint64_t n) {
  switch (st) {
    case pb::PENDING: c.pending += n; break;
    case pb::RUNNING: c.running += n; break;
    case pb::COMPLETED: c.done += n; break;
    default: c.failed += n; break;
  }
}

}  // namespace

ProgressCounts count_tasks(const pb::StatusReply& s) {
  ProgressCounts c;
  for (const pb::JobInfo& j : s.jobs()) {
    const std::uint64_t before = c.pending + c.running + c.done + c.failed;
    for (const pb::TaskInfo& t : j.tasks()) add_state(c, t.state(), 1);
    for (const pb::TaskRange& r : j.finished()) add_state(c, r.state(), r.count());
    c.pending += j.pending_count();
    c.failed += j.cancelled_count();  // array tasks cancelled before they ran
    const std::uint64_t seen = c.pending + c.running + c.done + c.failed - before;
    // A job without task rows yet (pending, or cancelled before it ran) counts by its state.
    if (seen == 0) add_state(c, j.state(), std::max<std::uint64_t>(1, j.total_tasks()));
    c.total += std::max<std::uint64_t>(seen, j.total_tasks());
  }
  return c;
}

std::string Progress::update(const ProgressCounts& c, TimeMs now, std::size_t width) {
  const double secs = static_cast<double>(now - start_) / 1000.0;
  const double rate = secs > 0.5 ? static_cast<double>(c.ended()) / secs : 0.0;
  std::string tail = " " + std::to_string(c.ended()) + "/" + std::to_string(c.total) + "  " +
                     std::to_string(c.pending) + " pending, " + std::to_string(c.running) + " running, " +
                     std::to_string(c.done) + " done, " + std::to_string(c.failed) + " failed";
  if (rate > 0) {
    char r[32];
    std::snprintf(r, sizeof r, rate >= 10 ? "%.0f" : "%.1f", rate);
    tail += "  " + std::string(r) + "/s";
    if (c.total > c.ended())
      tail += "  ETA " + format_elapsed(static_cast<TimeMs>(static_cast<double>(c.total - c.ended()) / rate * 1000.0));
  }
  // The bar takes what the numbers leave, between 10 and 30 columns.
  std::string line;
  if (width >= tail.size() + 12) {
    const std::size_t bar = std::min<std::size_t>(30, width - tail.size() - 2);
    const std::size_t fill = c.total ? static_cast<std::size_t>(bar * c.ended() / c.total) : 0;
    line = "[" + std::string(fill, '#') + std::string(bar - fill, '.') + "]" + tail;
  } else {
    line = tail.substr(1, width);
  }
  if (line == last_) return {};
  last_ = line;
  return line;
}

std::string Progress::summary(const ProgressCounts& c, TimeMs now) const {
  std::string s = std::to_string(c.total) + (c.total == 1 ? " task: " : " tasks: ") + std::to_string(c.done) +
                  " completed";
  if (c.failed) s += ", " + std::to_string(c.failed) + " did not complete";
  return s + " in " + format_elapsed(now - start_);
}

}  // namespace baton::cli
