// Events from the journal's rows (see event_replay.h).
//
// Four queries, one per kind of durable event, each asking SQLite for exactly
// the events after the cursor (a row-value comparison on the event key) and
// before `before_ms`, in key order, at most `limit`: SQLite keeps a bounded
// sorter, so a batch costs one pass over the rows and never builds more than
// `limit` events per kind, however far back the cursor is.
#include "store/event_replay.h"

#include <algorithm>

#include "store/connection.h"
#include "store/statement.h"

namespace baton {

namespace {

// Parameters of every query: ?1..?4 the cursor's key (time, job, kind,
// index), ?5 before_ms, ?6 the limit. Kinds are EventKind values.
//
// Submissions: ids and submit times grow together (both are handed out in the
// same turn, and the broker's clock never goes back: the cursor's own
// premise), so id order is key order, and no job below the cursor's job can
// come after it (it was submitted no later than that job, at or before the
// cursor's time). The query seeks there by rowid and stops after `limit`
// rows, instead of sorting the whole table (whose rows carry the specs).
constexpr const char* kSubmittedSql =
    "SELECT id, user, name, spec, submit_ms, is_array FROM jobs "
    "WHERE id >= ?2 AND (submit_ms, id, 4, 0) > (?1, ?2, ?3, ?4) AND submit_ms < ?5 "
    "ORDER BY id LIMIT ?6";
constexpr const char* kJobFinishedSql =
    "SELECT id, end_ms, state, wait_code, is_array FROM jobs "
    "WHERE end_ms > 0 AND (end_ms, id, 7, 0) > (?1, ?2, ?3, ?4) AND end_ms < ?5 "
    "ORDER BY end_ms, id LIMIT ?6";
constexpr const char* kStartedSql =
    "SELECT t.job, t.idx, t.attempt, t.worker, t.dispatched_ms, j.is_array "
    "FROM tasks AS t JOIN jobs AS j ON j.id = t.job "
    "WHERE t.attempt > 0 AND t.dispatched_ms > 0 AND (t.dispatched_ms, t.job, 5, t.idx) > (?1, ?2, ?3, ?4) "
    "  AND t.dispatched_ms < ?5 "
    "ORDER BY t.dispatched_ms, t.job, t.idx LIMIT ?6";
// A finished task's eligible_ms holds the broker time its end was recorded
// (BrokerEngine::end_task); rows older than that rule have 0 there and fall
// back to their end time.
constexpr const char* kFinishedSql =
    "SELECT job, idx, state, attempt, worker, at, exit_code, signal, is_array FROM ("
    "  SELECT t.job, t.idx, t.state, t.attempt, t.worker, "
    "         CASE WHEN t.eligible_ms > 0 THEN t.eligible_ms ELSE t.end_ms END AS at, "
    "         t.exit_code, t.signal, j.is_array "
    "  FROM tasks AS t JOIN jobs AS j ON j.id = t.job WHERE t.state IN (3, 4, 5, 6)) "
    "WHERE (at, job, 6, idx) > (?1, ?2, ?3, ?4) AND at < ?5 "
    "ORDER BY at, job, idx LIMIT ?6";

}  // namespace

struct EventReplay::Sql {
  std::string path;
  store::Connection db;
};

EventReplay::EventReplay(std::unique_ptr<Sql> sql) : sql_(std::move(sql)) {}
EventReplay::~EventReplay() = default;

Result<std::unique_ptr<EventReplay>> EventReplay::open(const std::string& journal_path) {
  auto conn = store::open_connection(journal_path, "");
  if (!conn) return conn.status();
  auto sql = std::make_unique<Sql>(Sql{journal_path, std::move(*conn)});
  sqlite3_busy_timeout(sql->db.get(), 2000);
  return std::unique_ptr<EventReplay>(new EventReplay(std::move(sql)));
}

Result<std::vector<BrokerEvent>> EventReplay::read(const EventKey& after, TimeMs before_ms, std::size_t limit) {
  std::vector<BrokerEvent> out;
  if (limit == 0) return out;
  sqlite3* db = sql_->db.get();
  const std::string& path = sql_->path;
  // One read transaction for every query: one snapshot.
  if (Status s = store::exec(db, path, "reading events", "BEGIN"); !s) return s;
  auto done = [&](Status s) {
    store::exec(db, path, "reading events", "COMMIT");
    return s;
  };
  // Runs one query; `row` turns its current row into an event.
  auto run = [&](const char* sql, const char* what, auto&& row) -> Status {
    auto st = store::Statement::prepare(db, path, sql);
    if (!st) return st.status();
    store::Statement::Use use(*st);
    st->bind(1, after.time_ms);
    // SQLite integers are signed: a cursor past every id ("the end of this
    // millisecond") binds as the largest one, which no row reaches.
    constexpr std::uint64_t kMax = INT64_MAX;
    st->bind(2, static_cast<std::int64_t>(std::min(after.job, kMax)));
    st->bind(3, static_cast<int>(after.kind));
    st->bind(4, static_cast<std::int64_t>(std::min(after.index, kMax)));
    st->bind(5, before_ms);
    st->bind(6, static_cast<std::int64_t>(limit));
    int rc;
    while ((rc = st->step()) == SQLITE_ROW) out.push_back(row(*st));
    if (rc != SQLITE_DONE) return store::sqlite_error(db, path, what, rc);
    return Status::ok();
  };
  Status s = run(kSubmittedSql, "reading submit events", [](const store::Statement& st) {
    BrokerEvent e;
    e.key = EventKey{st.int64(4), st.uint64(0), EventKind::Submitted, 0};
    e.is_array = st.int32(5) != 0;
    e.user = std::string(st.text(1));
    e.name = std::string(st.text(2));
    pb::JobSpec spec;  // only its queue is needed
    const std::string_view blob = st.blob(3);
    spec.ParseFromArray(blob.data(), static_cast<int>(blob.size()));
    e.queue = spec.queue().empty() ? "default" : spec.queue();
    return e;
  });
  if (s) s = run(kJobFinishedSql, "reading job end events", [](const store::Statement& st) {
    BrokerEvent e;
    e.key = EventKey{st.int64(1), st.uint64(0), EventKind::JobFinished, 0};
    e.state = static_cast<pb::TaskState>(st.int32(2));
    e.exit_code = st.int32(3);
    e.is_array = st.int32(4) != 0;
    return e;
  });
  if (s) s = run(kStartedSql, "reading task start events", [](const store::Statement& st) {
    BrokerEvent e;
    e.key = EventKey{st.int64(4), st.uint64(0), EventKind::Started, st.uint64(1)};
    e.attempt = static_cast<Attempt>(st.int64(2));
    e.worker = std::string(st.text(3));
    e.state = pb::RUNNING;
    e.is_array = st.int32(5) != 0;
    return e;
  });
  if (s) s = run(kFinishedSql, "reading task end events", [](const store::Statement& st) {
    BrokerEvent e;
    e.key = EventKey{st.int64(5), st.uint64(0), EventKind::Finished, st.uint64(1)};
    e.state = static_cast<pb::TaskState>(st.int32(2));
    e.attempt = static_cast<Attempt>(st.int64(3));
    e.worker = std::string(st.text(4));
    e.exit_code = st.int32(6);
    e.signal = st.int32(7);
    e.is_array = st.int32(8) != 0;
    return e;
  });
  done(Status::ok());
  if (!s) return s;
  std::sort(out.begin(), out.end(), [](const BrokerEvent& a, const BrokerEvent& b) { return a.key < b.key; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace baton
