// Opening a connection and converting SQLite result codes into Status values.
#include "store/connection.h"

#include <fmt/format.h>

#include <filesystem>

namespace baton::store {

Result<Connection> open_connection(const std::string& path, const std::string& vfs) {
  // SQLite counts every allocation under a global mutex for
  // sqlite3_memory_used(), which baton never reads; that is about 4% of a
  // task write. It can only be turned off before SQLite initializes (the
  // first open in the process); later SQLite refuses, harmlessly.
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  sqlite3* raw = nullptr;
  // NOMUTEX: the connection is used from one thread. EXRESCODE: extended codes,
  // so an I/O error says which I/O failed.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                    SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs.empty() ? nullptr : vfs.c_str());
  Connection db(raw);
  if (rc != SQLITE_OK) {
    // SQLite says only "unable to open database file"; say why when we can tell.
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path parent = fs::path(path).parent_path();
    if (fs::is_directory(path, ec))
      return Status::error(fmt::format("journal {}: cannot open: it is a directory", path));
    if (!parent.empty() && !fs::is_directory(parent, ec))
      return Status::error(fmt::format("journal {}: cannot open: directory {} does not exist", path, parent.string()));
    return sqlite_error(db.get(), path, "cannot open", rc);
  }
  // SQLite falls back to read-only when the file is write-protected; a
  // journal that cannot be written is useless, so say it now.
  if (sqlite3_db_readonly(db.get(), "main") == 1)
    return Status::error(fmt::format("journal {}: cannot open for writing (check its permissions)", path));
  return db;
}

Status sqlite_error(sqlite3* db, const std::string& path, std::string_view what, int rc) {
  // A connection's message is the specific one ("no such table: x"); without
  // a connection (or after an open failure) the code's generic text is all we have.
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_errcode(db) == SQLITE_OK) msg = sqlite3_errstr(rc);
  return Status::error(fmt::format("journal {}: {}: {}", path, what, msg));
}

Status exec(sqlite3* db, const std::string& path, std::string_view what, const char* sql) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db, path, what, rc);
  return Status::ok();
}

namespace {

template <class T, class Read>
Result<T> query_one(sqlite3* db, const std::string& path, const char* sql, Read read) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &s, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) {
    Status err = rc == SQLITE_DONE ? Status::error(fmt::format("journal {}: '{}' returned no row", path, sql))
                                   : sqlite_error(db, path, sql, rc);
    sqlite3_finalize(s);
    return err;
  }
  T value = read(s);
  sqlite3_finalize(s);
  return value;
}

}  // namespace

Result<std::int64_t> query_int(sqlite3* db, const std::string& path, const char* sql) {
  return query_one<std::int64_t>(db, path, sql, [](sqlite3_stmt* s) { return sqlite3_column_int64(s, 0); });
}

Result<std::string> query_text(sqlite3* db, const std::string& path, const char* sql) {
  return query_one<std::string>(db, path, sql, [](sqlite3_stmt* s) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    return p == nullptr ? std::string() : std::string(p);
  });
}

}  // namespace baton::store
