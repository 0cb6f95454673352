// Preparing statements and reading variable-length columns (see statement.h).
#include "store/statement.h"

#include "store/connection.h"

namespace baton::store {

Result<Statement> Statement::prepare(sqlite3* db, const std::string& path, std::string_view sql,
                                     bool persistent) {
  sqlite3_stmt* s = nullptr;
  const unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &s, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(s);
    return sqlite_error(db, path, "preparing '" + std::string(sql.substr(0, 60)) + "'", rc);
  }
  return Statement(s);
}

std::string_view Statement::text(int c) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c));
  if (p == nullptr) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c))};
}

std::string_view Statement::blob(int c) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, c));
  if (p == nullptr) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c))};
}

}  // namespace baton::store
