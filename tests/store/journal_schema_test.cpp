// Which files the journal agrees to open, and what it says about the others.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/store/journal_fixture.h"

using namespace baton;
using namespace baton::testing;

namespace {

Result<std::unique_ptr<SqliteJournal>> try_open(const std::string& path) {
  JournalOptions options;
  options.path = path;
  return SqliteJournal::open(options);
}

}  // namespace

TEST_CASE("a new journal file gets the current schema and the baton application id") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  CHECK(journal->schema_version() == 1);
  RawDb raw(path);
  CHECK(raw.column("PRAGMA user_version") == "1");
  CHECK(raw.column("PRAGMA application_id") == std::to_string(0x6261746e));
  CHECK(raw.column("SELECT value FROM meta WHERE key = 'next_job_id'") == "1");
}

TEST_CASE("an empty existing file becomes a journal") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  std::ofstream(path).close();
  auto journal = open_journal(path);
  CHECK(journal->schema_version() == 1);
}

TEST_CASE("a journal with a newer schema version is refused and left untouched") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  open_journal(path).reset();
  RawDb(path).exec("PRAGMA user_version = 7");

  auto journal = try_open(path);
  REQUIRE_FALSE(journal.is_ok());
  CHECK(journal.error() == "journal " + path + " has schema version 7; this baton understands up to 1");
  CHECK(RawDb(path).column("PRAGMA user_version") == "7");
}

TEST_CASE("a file that is not a SQLite database is refused as a journal, naming the path") {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  {
    std::ofstream out(path);
    for (int i = 0; i < 200; ++i) out << "these are my notes, not a database\n";
  }
  auto journal = try_open(path);
  REQUIRE_FALSE(journal.is_ok());
  CHECK(journal.error() == "journal " + path + " is not a SQLite database (is the path right?)");
}

TEST_CASE("a SQLite database of something else is refused as a journal") {
  TempDir dir;
  const std::string path = dir.file("other.db");
  RawDb(path).exec("CREATE TABLE photos(id INTEGER PRIMARY KEY, name TEXT)");
  auto journal = try_open(path);
  REQUIRE_FALSE(journal.is_ok());
  CHECK(journal.error() == "journal " + path + " is a SQLite database but not a baton journal");
  CHECK(RawDb(path).column("SELECT count(*) FROM sqlite_schema") == "1");  // nothing added

  RawDb(path).exec("DROP TABLE photos; PRAGMA application_id = 42");
  auto tagged = try_open(path);
  REQUIRE_FALSE(tagged.is_ok());
  CHECK(contains(tagged.error(), "a SQLite database of another application"));
}

TEST_CASE("a journal path in a missing directory is refused, naming the path") {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/journal.db");
  auto journal = try_open(path);
  REQUIRE_FALSE(journal.is_ok());
  CHECK(journal.error() == "journal " + path + ": cannot open: directory " + dir.file("no/such/dir") +
                               " does not exist");
  auto directory = try_open(dir.file(""));
  REQUIRE_FALSE(directory.is_ok());
  CHECK(contains(directory.error(), "cannot open: it is a directory"));
}
