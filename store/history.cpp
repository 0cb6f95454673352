// Finished jobs for `baton history` (see history.h).
#include "store/history.h"

#include <fmt/format.h>

#include "core/job.h"
#include "store/connection.h"
#include "store/task_row.h"

namespace baton::store {

Result<HistoryQuery> HistoryQuery::prepare(sqlite3* db, const std::string& path) {
  // Newest first by end time; id breaks ties so the order is total.
  // Lists (states, job ids) are bound as ",a,b," and matched with instr(), so
  // one prepared statement serves every filter.
  const std::string jobs_sql = fmt::format(
      "SELECT id, name, user, submit_ms, state, wait_code, is_array, n_tasks, spec, first_task FROM jobs"
      " WHERE state IN ({}, {}, {}, {}, {}) AND end_ms >= ?1 AND (?2 = '' OR user = ?2)"
      " AND (?4 = 0 OR end_ms < ?4) AND (?5 = '' OR instr(?5, ',' || state || ',') > 0)"
      " AND (?6 = '' OR name = ?6) AND (?7 = '' OR instr(?7, ',' || id || ',') > 0)"
      " ORDER BY end_ms DESC, id DESC LIMIT ?3",
      static_cast<int>(pb::COMPLETED), static_cast<int>(pb::FAILED), static_cast<int>(pb::CANCELLED),
      static_cast<int>(pb::TIMEOUT), static_cast<int>(pb::OUT_OF_MEMORY));
  // A job's tasks are its key range, first_task + [0, n_tasks), in ordinal order.
  const std::string tasks_sql =
      fmt::format("SELECT idx, {} FROM tasks WHERE key >= ?2 AND key < ?3 AND job = ?1 ORDER BY key", kTaskColumns);
  auto jobs = Statement::prepare(db, path, jobs_sql);
  if (!jobs) return jobs.status();
  auto tasks = Statement::prepare(db, path, tasks_sql);
  if (!tasks) return tasks.status();
  return HistoryQuery(db, path, std::move(*jobs), std::move(*tasks));
}

namespace {

template <class List>
std::string comma_list(const List& items) {
  if (items.empty()) return "";
  std::string out = ",";
  for (const auto& i : items) out += std::to_string(static_cast<std::int64_t>(i)) + ",";
  return out;
}

}  // namespace

Result<std::vector<pb::JobInfo>> HistoryQuery::run(const pb::HistoryRequest& f) {
  std::vector<pb::JobInfo> out;
  Statement::Use use(jobs_);
  const std::string states = comma_list(f.states()), ids = comma_list(f.jobs());
  jobs_.bind(1, f.since_ms());
  jobs_.bind_text(2, f.user());
  jobs_.bind(3, f.limit() == 0 ? std::int64_t{-1} : std::int64_t{f.limit()});  // LIMIT -1: no limit
  jobs_.bind(4, f.until_ms());
  jobs_.bind_text(5, states);
  jobs_.bind_text(6, f.name());
  jobs_.bind_text(7, ids);
  int rc;
  while ((rc = jobs_.step()) == SQLITE_ROW) {
    pb::JobInfo& info = out.emplace_back();
    info.set_id(jobs_.uint64(0));
    info.set_name(std::string(jobs_.text(1)));
    info.set_user(std::string(jobs_.text(2)));
    info.set_submit_ms(jobs_.int64(3));
    info.set_state(static_cast<pb::TaskState>(jobs_.int32(4)));
    info.set_wait_code(jobs_.int32(5));
    info.set_is_array(jobs_.int32(6) != 0);
    info.set_total_tasks(static_cast<std::uint32_t>(jobs_.int64(7)));
    pb::JobSpec spec;
    const std::string_view blob = jobs_.blob(8);
    if (!spec.ParseFromArray(blob.data(), static_cast<int>(blob.size())))
      return Status::error(fmt::format("journal {}: job {}: the stored spec does not parse", path_, info.id()));
    info.set_array(spec.array());
    info.set_throttle(spec.throttle());
    info.set_priority(spec.priority());
    info.set_nice(spec.nice());
    info.set_queue(spec.queue());
    if (Status s = add_tasks(info, jobs_.int64(9)); !s) return s;
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_, path_, "reading history", rc);
  return out;
}

Status HistoryQuery::add_tasks(pb::JobInfo& job, std::int64_t first_task) {
  Statement::Use use(tasks_);
  tasks_.bind(1, job.id());
  tasks_.bind(2, first_task);
  tasks_.bind(3, first_task + std::int64_t{job.total_tasks()});
  std::string worker;
  int rc;
  while ((rc = tasks_.step()) == SQLITE_ROW) {
    auto t = read_task(tasks_, 1, worker);
    if (!t) return Status::error(fmt::format("journal {}: job {}: {}", path_, job.id(), t.error()));
    pb::TaskInfo& info = *job.add_tasks();
    info.set_index(static_cast<std::uint32_t>(tasks_.int64(0)));
    info.set_state(t->state);
    info.set_reason(reason_name(t->reason));
    info.set_attempt(t->attempt);
    info.set_worker(worker);
    info.set_start_ms(t->start_ms);
    info.set_end_ms(t->end_ms);
    info.set_exit_code(t->exit_code);
    info.set_signal(t->signal);
    info.set_max_rss_kb(t->max_rss_kb);
    info.set_cpu_ms(t->cpu_ms);
    info.set_outcome(t->outcome);
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_, path_, "reading history", rc);
  return Status::ok();
}

}  // namespace baton::store
