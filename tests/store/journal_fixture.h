// Shared by the store/ tests: a temporary directory that removes itself, jobs
// and task records with every field set, and a side door into the SQLite file
// (a second connection) for edits "by hand" and for looking at what is stored.
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "core/array_spec.h"
#include "core/job.h"
#include "store/sqlite_journal.h"

namespace baton::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "baton-store-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::unique_ptr<SqliteJournal> open_journal(const std::string& path, bool sync_full = true) {
  JournalOptions options;
  options.path = path;
  options.sync_full = sync_full;
  auto j = SqliteJournal::open(options);
  REQUIRE_MESSAGE(j.is_ok(), (j.is_ok() ? "" : j.error()));
  return std::move(*j);
}

// A pending job as the broker would record it at submit. `array` empty: a plain job.
inline Job make_job(JobId id, const std::string& user, const std::string& array = "") {
  Job job;
  job.id = id;
  job.submit_ms = 1'700'000'000'000 + static_cast<TimeMs>(id);
  pb::JobSpec spec;
  spec.set_name("job" + std::to_string(id));
  spec.set_user(user);
  spec.add_argv("/bin/echo");
  spec.add_argv(std::to_string(id));
  if (!array.empty()) {
    auto parsed = ArraySpec::parse(array, 1'000'000);
    REQUIRE(parsed.is_ok());
    job.array = parsed->spec;
    job.is_array = true;
    spec.set_array(job.array.to_string());
  }
  job.spec.assign(spec);
  job.pending = IntervalSet::range(0, job.total() - 1);
  return job;
}

// Marks every task of `job` completed at `end_ms` (the summary becomes COMPLETED).
inline void finish(Job& job, TimeMs end_ms) {
  job.pending.clear();
  job.completed = static_cast<std::uint32_t>(job.total());
  job.end_ms = end_ms;
}

inline TaskRecord finished_task(Attempt attempt, int exit_code, TimeMs end_ms) {
  TaskRecord t;
  t.state = exit_code == 0 ? pb::COMPLETED : pb::FAILED;
  t.attempt = attempt;
  t.outcome = pb::EXITED;
  t.dispatched_ms = end_ms - 2000;
  t.start_ms = end_ms - 1500;
  t.end_ms = end_ms;
  t.exit_code = exit_code;
  t.max_rss_kb = 1024;
  t.cpu_ms = 700;
  return t;
}

// A second connection to the journal file, for hand edits and inspection.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) == SQLITE_OK);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    const std::string msg = err != nullptr ? err : "";
    sqlite3_free(err);
    REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << msg);
  }
  // The first column of each row, as text, joined with ' '.
  std::string column(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    REQUIRE_MESSAGE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK, sqlite3_errmsg(db_));
    std::string out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      out += (out.empty() ? "" : " ") + std::string(t != nullptr ? t : "NULL");
    }
    sqlite3_finalize(s);
    return out;
  }
  sqlite3* get() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace baton::testing
