#include "cmd/slurm_jobs.h"

#include <charconv>
#include <map>

#include "cmd/output.h"
#include "core/array_spec.h"
#include "core/ids.h"

namespace baton::cli {

namespace {

// Up to this many ids, sacct and squeue ask the broker for each job alone.
constexpr std::size_t kAskEach = 64;

}  // namespace

std::uint32_t SlurmRow::cpus() const {
  return job && job->has_spec() && job->spec().resources().cpus() ? job->spec().resources().cpus() : 1;
}

std::string SlurmRow::exit_field() const { return std::to_string(exit_code) + ":" + std::to_string(signal); }

TimeMs SlurmRow::elapsed(TimeMs now) const {
  if (!start_ms) return 0;
  return (end_ms ? end_ms : now) - start_ms;
}

std::optional<std::uint64_t> slurm_job_number(const std::string& text) {
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p == text.data()) return std::nullopt;
  if (p != text.data() + text.size() && *p != '_' && *p != '.') return std::nullopt;
  return n;
}

bool SlurmJobs::fetch(const SlurmTool& t, const SlurmQuery& q, int& code) {
  std::set<std::uint64_t> seen;
  if (!q.ids.empty() && q.ids.size() <= kAskEach) {
    // A few ids (a tool polling its jobs): ask for each, so the reply holds
    // only those. An id the broker does not hold is no error here: the
    // journal may have it, and else the answer is simply no row.
    auto client = t.ctx.client();
    for (std::uint64_t id : q.ids) {
      pb::Envelope req, reply;
      req.mutable_status()->add_targets(std::to_string(id));
      req.mutable_status()->set_tasks(true);
      req.mutable_status()->set_specs(q.specs);
      wire::ClientError err;
      if (!client->call(std::move(req), reply, err)) {
        if (err.exit_code != kUnreachable) continue;
        code = t.ctx.fail(err.exit_code, err.message);
        return false;
      }
      for (pb::JobInfo& j : *reply.mutable_status_reply()->mutable_jobs()) {
        if (!seen.insert(j.id()).second) continue;
        jobs_.push_back(std::make_unique<pb::JobInfo>(std::move(j)));
      }
    }
  } else {
    pb::Envelope req, reply;
    pb::StatusRequest& s = *req.mutable_status();
    s.set_all(q.ended || !q.ids.empty());
    s.set_tasks(true);
    s.set_specs(q.specs);
    if (!t.ctx.call(req, reply, code)) return false;
    for (pb::JobInfo& j : *reply.mutable_status_reply()->mutable_jobs()) {
      if (!q.ids.empty() && !q.ids.count(j.id())) continue;
      seen.insert(j.id());
      jobs_.push_back(std::make_unique<pb::JobInfo>(std::move(j)));
    }
  }
  const bool all_found = !q.ids.empty() && seen.size() == q.ids.size();
  if (q.journal && !all_found) {
    pb::Envelope req, reply;
    pb::HistoryRequest& h = *req.mutable_history();
    for (std::uint64_t id : q.ids) h.add_jobs(id);
    h.set_since_ms(q.since_ms);
    h.set_until_ms(q.until_ms);
    h.set_limit(0);
    if (!t.ctx.call(req, reply, code)) return false;
    for (pb::JobInfo& j : *reply.mutable_status_reply()->mutable_jobs()) {
      if (seen.count(j.id()) || (!q.ids.empty() && !q.ids.count(j.id()))) continue;
      seen.insert(j.id());
      jobs_.push_back(std::make_unique<pb::JobInfo>(std::move(j)));
    }
  }
  std::sort(jobs_.begin(), jobs_.end(), [](const auto& a, const auto& b) { return a->id() < b->id(); });
  for (const auto& j : jobs_) add_rows(*j, q.expand);
  return true;
}

void SlurmJobs::add_rows(const pb::JobInfo& j, bool expand) {
  const std::string id = std::to_string(j.id());
  auto from_task = [&](const pb::TaskInfo& task, std::string text) {
    SlurmRow r;
    r.job = &j;
    r.id = std::move(text);
    if (j.is_array()) r.index = task.index();
    r.state = task.state();
    r.reason = !task.error().empty() ? task.error() : task.reason();
    if (r.state == pb::PENDING && r.reason.empty()) r.reason = j.reason();
    r.worker = task.worker();
    r.exit_code = task.exit_code();
    r.signal = task.signal();
    r.start_ms = task.start_ms();
    r.end_ms = task.end_ms();
    r.max_rss_kb = task.max_rss_kb();
    r.cpu_ms = task.cpu_ms();
    r.attempt = task.attempt();
    rows_.push_back(std::move(r));
  };
  auto plain = [&](std::string text, pb::TaskState state, std::optional<std::uint32_t> index) {
    SlurmRow r;
    r.job = &j;
    r.id = std::move(text);
    r.index = index;
    r.state = state;
    if (state == pb::PENDING) r.reason = j.reason();
    if (state != pb::PENDING) r.end_ms = j.end_ms();
    rows_.push_back(std::move(r));
  };
  if (!j.is_array()) {
    if (j.tasks_size() > 0) from_task(j.tasks(0), id);
    else plain(id, j.state(), std::nullopt);
    return;
  }
  // Array: tasks that ran (or run) one by one, in index order.
  std::vector<const pb::TaskInfo*> tasks;
  for (const pb::TaskInfo& task : j.tasks()) tasks.push_back(&task);
  std::sort(tasks.begin(), tasks.end(), [](auto* a, auto* b) { return a->index() < b->index(); });
  for (const pb::TaskInfo* task : tasks) from_task(*task, id + "_" + std::to_string(task->index()));
  for (const pb::TaskRange& r : j.finished()) {  // summarised ranges (not asked for, but tolerated)
    auto set = ArraySpec::parse(r.indices(), UINT64_MAX);
    if (!set) continue;
    for (std::uint64_t o = 0; o < set->spec.count(); ++o) {
      const auto idx = static_cast<std::uint32_t>(set->spec.index_at(o));
      plain(id + "_" + std::to_string(idx), r.state(), idx);
    }
  }
  auto ranges = [&](const std::string& indices, std::uint32_t count, pb::TaskState state, const std::string& suffix) {
    if (count == 0) return;
    auto set = ArraySpec::parse(indices, UINT64_MAX);
    if (expand && set) {
      for (std::uint64_t o = 0; o < set->spec.count(); ++o) {
        const auto idx = static_cast<std::uint32_t>(set->spec.index_at(o));
        plain(id + "_" + std::to_string(idx), state, idx);
      }
    } else if (count == 1 && set && set->spec.count() == 1) {
      const auto idx = static_cast<std::uint32_t>(set->spec.index_at(0));
      plain(id + "_" + std::to_string(idx), state, idx);
    } else {
      plain(id + "_[" + indices + suffix + "]", state, std::nullopt);
    }
  };
  ranges(j.pending(), j.pending_count(), pb::PENDING, j.throttle() ? "%" + std::to_string(j.throttle()) : "");
  ranges(j.cancelled(), j.cancelled_count(), pb::CANCELLED, "");
}

}  // namespace baton::cli
