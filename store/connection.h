// The SQLite connection handle and the few helpers every store/ file needs to
// turn SQLite result codes into Status values (the edge where they stop).
//
// Only store/ includes this. A connection is used from one thread.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace baton::store {

struct CloseConnection {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, CloseConnection>;

// Opens (creating if absent) the database file at `path` through the named VFS
// (empty: the default one). Nothing is read yet, so a file that is not a
// database is only detected by the first statement.
Result<Connection> open_connection(const std::string& path, const std::string& vfs);

// "journal /x.db: <what>: <SQLite's message>". `rc` picks the message when the
// connection has none of its own (e.g. a failed open).
Status sqlite_error(sqlite3* db, const std::string& path, std::string_view what, int rc);

// Runs SQL text with no results. For start-up and maintenance only: the write
// path uses prepared statements.
Status exec(sqlite3* db, const std::string& path, std::string_view what, const char* sql);

// The one-row, one-column answer of a statement such as "PRAGMA user_version".
Result<std::int64_t> query_int(sqlite3* db, const std::string& path, const char* sql);
Result<std::string> query_text(sqlite3* db, const std::string& path, const char* sql);

}  // namespace baton::store
