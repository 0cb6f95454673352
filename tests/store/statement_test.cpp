// store::Statement: typed binds that survive resets, and bind_again(), which
// skips a bind when the parameter already holds the value.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <string>

#include "store/statement.h"

using namespace baton;
using baton::store::Statement;

namespace {

struct MemoryDb {
  MemoryDb() {
    REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t(n INTEGER, r REAL, s TEXT)", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  ~MemoryDb() { sqlite3_close(db); }
  MemoryDb(const MemoryDb&) = delete;
  MemoryDb& operator=(const MemoryDb&) = delete;

  std::string rows() {
    auto st = Statement::prepare(db, ":memory:", "SELECT n, r, s FROM t ORDER BY rowid", false);
    REQUIRE(st.is_ok());
    std::string out;
    while (st->step() == SQLITE_ROW)
      out += std::to_string(st->int64(0)) + "/" + std::to_string(st->real(1)) + "/" + std::string(st->text(2)) + " ";
    return out;
  }
  sqlite3* db = nullptr;
};

}  // namespace

TEST_CASE("bind_again writes every value it is given, whether it rebinds or keeps the last one") {
  MemoryDb m;
  auto insert = Statement::prepare(m.db, ":memory:", "INSERT INTO t(n, r, s) VALUES(?1, ?2, ?3)");
  REQUIRE(insert.is_ok());
  const struct {
    std::int64_t n;
    double r;
    const char* s;
  } rows[] = {{7, 0.5, "a"}, {7, 0.5, "b"}, {8, 0.5, "b"}, {7, 0.25, "c"}, {7, 0.25, "c"}, {-1, 0.0, "c"}};
  for (const auto& row : rows) {
    Statement::Use use(*insert);
    insert->bind_again(1, row.n);
    insert->bind_again(2, row.r);
    insert->bind_text(3, row.s);
    REQUIRE(insert->step() == SQLITE_DONE);
  }
  CHECK(m.rows() == "7/0.500000/a 7/0.500000/b 8/0.500000/b 7/0.250000/c 7/0.250000/c -1/0.000000/c ");
}

TEST_CASE("a failed bind_again is reported by the next step and retried by the next bind_again") {
  MemoryDb m;
  auto insert = Statement::prepare(m.db, ":memory:", "INSERT INTO t(n) VALUES(?1)");
  REQUIRE(insert.is_ok());
  {
    Statement::Use use(*insert);
    insert->bind_again(1, std::int64_t{5});
    insert->bind_again(2, std::int64_t{6});  // no such parameter
    CHECK(insert->step() == SQLITE_RANGE);
  }
  {
    Statement::Use use(*insert);
    insert->bind_again(1, std::int64_t{5});
    CHECK(insert->step() == SQLITE_DONE);
  }
  CHECK(m.rows() == "5/0.000000/ ");
}
