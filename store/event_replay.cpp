// Events from the journal's rows (see event_replay.h).
#include "store/event_replay.h"

#include <algorithm>

#include "store/connection.h"
#include "store/statement.h"

namespace baton {

namespace {

// A finished task's eligible_ms holds the broker time its end was recorded
// (BrokerEngine::end_task); rows older than that rule have 0 there and fall
// back to their end time.
constexpr const char* kJobsSql =
    "SELECT id, user, name, spec, submit_ms, end_ms, state, wait_code, is_array FROM jobs "
    "WHERE submit_ms >= ?1 OR end_ms >= ?1";
constexpr const char* kTasksSql =
    "SELECT t.job, t.idx, t.state, t.attempt, t.worker, t.dispatched_ms, "
    "       CASE WHEN t.eligible_ms > 0 THEN t.eligible_ms ELSE t.end_ms END, t.exit_code, t.signal, j.is_array "
    "FROM tasks AS t JOIN jobs AS j ON j.id = t.job "
    "WHERE (t.attempt > 0 AND t.dispatched_ms >= ?1) OR (t.state IN (3, 4, 5, 6) AND "
    "       (t.eligible_ms >= ?1 OR (t.eligible_ms = 0 AND t.end_ms >= ?1)))";

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
  sqlite3* db = sql_->db.get();
  auto keep = [&](BrokerEvent&& e) {
    if (e.key > after && e.key.time_ms < before_ms) out.push_back(std::move(e));
  };
  // One read transaction for both queries: one snapshot.
  if (Status s = store::exec(db, sql_->path, "reading events", "BEGIN"); !s) return s;
  auto done = [&](Status s) {
    store::exec(db, sql_->path, "reading events", "COMMIT");
    return s;
  };
  {
    auto st = store::Statement::prepare(db, sql_->path, kJobsSql);
    if (!st) return done(st.status());
    store::Statement::Use use(*st);
    st->bind(1, after.time_ms);
    int rc;
    while ((rc = st->step()) == SQLITE_ROW) {
      const JobId id = st->uint64(0);
      pb::JobSpec spec;
      const std::string_view blob = st->blob(3);
      spec.ParseFromArray(blob.data(), static_cast<int>(blob.size()));
      const bool is_array = st->int32(8) != 0;
      BrokerEvent sub;
      sub.key = EventKey{st->int64(4), id, EventKind::Submitted, 0};
      sub.is_array = is_array;
      sub.user = std::string(st->text(1));
      sub.name = std::string(st->text(2));
      sub.queue = spec.queue().empty() ? "default" : spec.queue();
      keep(std::move(sub));
      if (const TimeMs end = st->int64(5); end > 0) {
        BrokerEvent fin;
        fin.key = EventKey{end, id, EventKind::JobFinished, 0};
        fin.is_array = is_array;
        fin.state = static_cast<pb::TaskState>(st->int32(6));
        fin.exit_code = st->int32(7);
        keep(std::move(fin));
      }
    }
    if (rc != SQLITE_DONE) return done(store::sqlite_error(db, sql_->path, "reading job events", rc));
  }
  {
    auto st = store::Statement::prepare(db, sql_->path, kTasksSql);
    if (!st) return done(st.status());
    store::Statement::Use use(*st);
    st->bind(1, after.time_ms);
    int rc;
    while ((rc = st->step()) == SQLITE_ROW) {
      const JobId id = st->uint64(0);
      const std::uint64_t idx = st->uint64(1);
      const auto state = static_cast<pb::TaskState>(st->int32(2));
      const auto attempt = static_cast<Attempt>(st->int64(3));
      const bool is_array = st->int32(9) != 0;
      std::string worker(st->text(4));
      if (attempt > 0 && st->int64(5) > 0) {
        BrokerEvent e;
        e.key = EventKey{st->int64(5), id, EventKind::Started, idx};
        e.is_array = is_array;
        e.attempt = attempt;
        e.state = pb::RUNNING;
        e.worker = worker;
        keep(std::move(e));
      }
      if (state >= pb::COMPLETED && state <= pb::TIMEOUT) {
        BrokerEvent e;
        e.key = EventKey{st->int64(6), id, EventKind::Finished, idx};
        e.is_array = is_array;
        e.attempt = attempt;
        e.state = state;
        e.exit_code = st->int32(7);
        e.signal = st->int32(8);
        e.worker = std::move(worker);
        keep(std::move(e));
      }
    }
    if (rc != SQLITE_DONE) return done(store::sqlite_error(db, sql_->path, "reading task events", rc));
  }
  done(Status::ok());
  std::sort(out.begin(), out.end(), [](const BrokerEvent& a, const BrokerEvent& b) { return a.key < b.key; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace baton
