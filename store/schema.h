// The journal's table layout and its migrations.
//
// The schema version lives in the file header (PRAGMA user_version), which
// SQLite updates inside the same transaction as the DDL, so a migration is all
// or nothing. Migrations are an ordered list; open() applies the ones the
// file has not seen. A file from a newer baton is refused, never downgraded.
//
// Only the journal's open path calls this; it touches nothing but the schema.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "core/status.h"

namespace baton::store {

// The newest schema this code knows.
std::int64_t current_schema_version();

// Refuses files that are not SQLite databases, SQLite databases that are not
// baton journals, and journals newer than this code. Returns the version found
// (0 for a new, empty file). Reads only; call before changing the journal mode.
Result<std::int64_t> check_schema(sqlite3* db, const std::string& path);

// Brings the schema up to current_schema_version() in one IMMEDIATE
// transaction (re-checking the version inside it, in case another process
// migrated first). Returns the version now in the file.
// REQUIRES: no transaction open on `db`.
Result<std::int64_t> migrate(sqlite3* db, const std::string& path);

}  // namespace baton::store
