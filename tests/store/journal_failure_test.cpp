// A journal group that fails is reported by commit(), never swallowed; it
// leaves nothing behind; and the next group works.
//
// Disk errors are injected through a VFS (SQLite's file-system seam, as
// LevelDB tests inject them through Env) that fails writes or syncs of the
// WAL on demand. That is where a group's pages reach the disk at COMMIT.
#include <doctest/doctest.h>

#include "tests/store/journal_fixture.h"

using namespace baton;
using namespace baton::testing;

namespace {

// ------------------------------------------------------------ a VFS that fails on demand

int g_wal_write_error = SQLITE_OK;  // returned by xWrite on WAL files while set
int g_sync_error = SQLITE_OK;       // returned by xSync on any file while set
sqlite3_vfs* g_root = nullptr;      // the default VFS everything is passed to

struct FaultyFile {
  sqlite3_file base;
  sqlite3_file* real;  // the default VFS's file, allocated right after this struct
  bool wal;
};

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<FaultyFile*>(f)->real; }
const sqlite3_io_methods& io(sqlite3_file* f) { return *real(f)->pMethods; }

int f_close(sqlite3_file* f) { return io(f).xClose(real(f)); }
int f_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) { return io(f).xRead(real(f), b, n, o); }
int f_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  if (reinterpret_cast<FaultyFile*>(f)->wal && g_wal_write_error != SQLITE_OK) return g_wal_write_error;
  return io(f).xWrite(real(f), b, n, o);
}
int f_truncate(sqlite3_file* f, sqlite3_int64 size) { return io(f).xTruncate(real(f), size); }
int f_sync(sqlite3_file* f, int flags) {
  if (g_sync_error != SQLITE_OK) return g_sync_error;
  return io(f).xSync(real(f), flags);
}
int f_size(sqlite3_file* f, sqlite3_int64* size) { return io(f).xFileSize(real(f), size); }
int f_lock(sqlite3_file* f, int l) { return io(f).xLock(real(f), l); }
int f_unlock(sqlite3_file* f, int l) { return io(f).xUnlock(real(f), l); }
int f_reserved(sqlite3_file* f, int* out) { return io(f).xCheckReservedLock(real(f), out); }
int f_control(sqlite3_file* f, int op, void* arg) { return io(f).xFileControl(real(f), op, arg); }
int f_sector(sqlite3_file* f) { return io(f).xSectorSize(real(f)); }
int f_device(sqlite3_file* f) { return io(f).xDeviceCharacteristics(real(f)); }
int f_shm_map(sqlite3_file* f, int pg, int sz, int extend, void volatile** pp) {
  return io(f).xShmMap(real(f), pg, sz, extend, pp);
}
int f_shm_lock(sqlite3_file* f, int offset, int n, int flags) { return io(f).xShmLock(real(f), offset, n, flags); }
void f_shm_barrier(sqlite3_file* f) { io(f).xShmBarrier(real(f)); }
int f_shm_unmap(sqlite3_file* f, int del) { return io(f).xShmUnmap(real(f), del); }
int f_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** pp) { return io(f).xFetch(real(f), o, n, pp); }
int f_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) { return io(f).xUnfetch(real(f), o, p); }

const sqlite3_io_methods kFaultyMethods = {
    3,        f_close,   f_read,        f_write,         f_truncate,  f_sync,
    f_size,   f_lock,    f_unlock,      f_reserved,      f_control,   f_sector,
    f_device, f_shm_map, f_shm_lock,    f_shm_barrier,   f_shm_unmap, f_fetch,
    f_unfetch};

int v_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = reinterpret_cast<FaultyFile*>(f);
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  file->wal = (flags & SQLITE_OPEN_WAL) != 0;
  const int rc = g_root->xOpen(g_root, name, file->real, flags, out_flags);
  file->base.pMethods = file->real->pMethods != nullptr ? &kFaultyMethods : nullptr;
  return rc;
}

// Registers the VFS once and returns its name.
const char* faulty_vfs() {
  static sqlite3_vfs vfs = [] {
    g_root = sqlite3_vfs_find(nullptr);
    REQUIRE(g_root->iVersion >= 3);
    sqlite3_vfs v = *g_root;  // everything but opening files goes straight through
    v.pNext = nullptr;
    v.zName = "baton-faulty";
    v.szOsFile = static_cast<int>(sizeof(FaultyFile)) + g_root->szOsFile;
    v.xOpen = v_open;
    return v;
  }();
  static const bool registered = sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
  REQUIRE(registered);
  return vfs.zName;
}

// Sets one of the fault switches for a scope.
class Fault {
 public:
  Fault(int& which, int code) : which_(which) { which_ = code; }
  ~Fault() { which_ = SQLITE_OK; }
  Fault(const Fault&) = delete;
  Fault& operator=(const Fault&) = delete;

 private:
  int& which_;
};

std::unique_ptr<SqliteJournal> open_faulty(const std::string& path) {
  JournalOptions options;
  options.path = path;
  options.vfs = faulty_vfs();
  auto j = SqliteJournal::open(options);
  REQUIRE_MESSAGE(j.is_ok(), (j.is_ok() ? "" : j.error()));
  return std::move(*j);
}

std::string job_ids(SqliteJournal& journal) {
  auto state = journal.load();
  REQUIRE_MESSAGE(state.is_ok(), (state.is_ok() ? "" : state.error()));
  std::string ids;
  for (const RecoveredJob& j : state->jobs) ids += (ids.empty() ? "" : " ") + std::to_string(j.id);
  return ids;
}

}  // namespace

TEST_CASE("a journal commit that finds the disk full says so, keeps nothing, and the next group commits") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_faulty(path);
  journal->record_job(make_job(1, "alice"));
  REQUIRE(journal->commit());

  Job doomed = make_job(2, "alice");
  journal->record_job(doomed);
  journal->record_task(doomed, 0, finished_task(1, 0, 100), "node-a", 100);
  {
    Fault full(g_wal_write_error, SQLITE_FULL);
    Status s = journal->commit();
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.message() == "journal " + path + ": commit failed: database or disk is full");
  }
  CHECK_FALSE(journal->group_open());
  CHECK(job_ids(*journal) == "1");

  journal->record_job(make_job(3, "alice"));
  REQUIRE(journal->commit());
  journal.reset();

  auto reopened = open_journal(path);
  CHECK(job_ids(*reopened) == "1 3");
  CHECK(RawDb(path).column("SELECT count(*) FROM tasks") == "0");
}

TEST_CASE("the probe write fails while the disk is full, succeeds once it is not, and leaves no trace") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_faulty(path);
  journal->record_job(make_job(1, "alice"));
  REQUIRE(journal->commit());
  {
    Fault full(g_wal_write_error, SQLITE_FULL);
    Status s = journal->probe();
    REQUIRE_FALSE(s.is_ok());
    CHECK(contains(s.message(), "database or disk is full"));
  }
  CHECK_FALSE(journal->group_open());
  REQUIRE(journal->probe());
  CHECK(RawDb(path).column("SELECT count(*) FROM meta WHERE key = 'probe'") == "0");
  // A group staged and abandoned leaves nothing either.
  journal->record_job(make_job(2, "alice"));
  journal->abandon();
  CHECK_FALSE(journal->group_open());
  CHECK(job_ids(*journal) == "1");
  journal->record_job(make_job(3, "alice"));
  REQUIRE(journal->commit());
  CHECK(job_ids(*journal) == "1 3");
}

TEST_CASE("a journal commit whose fsync fails is reported and the journal stays usable") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_faulty(path);
  journal->record_job(make_job(1, "alice"));
  {
    Fault sync(g_sync_error, SQLITE_IOERR_FSYNC);
    Status s = journal->commit();
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.message() == "journal " + path + ": commit failed: disk I/O error");
  }
  journal->record_job(make_job(2, "alice"));
  REQUIRE(journal->commit());
  // Whether job 1 reached the disk before the failed fsync is the disk's
  // business; what matters is that job 2, committed after, is there.
  journal.reset();
  auto reopened = open_journal(path);
  CHECK(contains(job_ids(*reopened), "2"));
}

TEST_CASE("a failed journal write poisons its group: commit rolls it all back and names the write") {
  TempDir dir;
  auto journal = open_journal(dir.file("journal.db"));
  Job first = make_job(1, "alice");
  journal->record_job(first);
  journal->record_job_state(make_job(9, "alice"));  // never recorded: a broker bug
  journal->record_job(make_job(2, "alice"));        // skipped: the group already failed
  Status s = journal->commit();
  REQUIRE_FALSE(s.is_ok());
  CHECK(contains(s.message(), "record_job_state 9: the job was never recorded"));
  CHECK(contains(s.message(), "rolled back"));
  CHECK(job_ids(*journal).empty());
  auto state = journal->load();
  REQUIRE(state.is_ok());
  CHECK(state->next_job_id == 1);  // the id high-water mark went back with the group

  journal->record_job(first);
  CHECK(journal->commit());
  CHECK(job_ids(*journal) == "1");
}

TEST_CASE("a journal group that cannot get the write lock fails at commit and writes nothing") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  JournalOptions options;
  options.path = path;
  options.busy_timeout_ms = 0;  // do not wait for the other writer
  auto opened = SqliteJournal::open(options);
  REQUIRE(opened.is_ok());
  SqliteJournal& journal = **opened;

  RawDb other(path);
  other.exec("BEGIN IMMEDIATE");
  journal.record_job(make_job(1, "alice"));
  journal.record_job(make_job(2, "alice"));  // must not run outside the group
  Status s = journal.commit();
  REQUIRE_FALSE(s.is_ok());
  CHECK(contains(s.message(), "opening a group (BEGIN IMMEDIATE): database is locked"));
  other.exec("ROLLBACK");

  CHECK(job_ids(journal).empty());
  journal.record_job(make_job(3, "alice"));
  REQUIRE(journal.commit());
  CHECK(job_ids(journal) == "3");
}

TEST_CASE("a journal row whose spec does not parse makes load() fail naming the job") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  journal->record_job(make_job(1, "alice"));
  journal->record_job(make_job(2, "alice"));
  REQUIRE(journal->commit());
  RawDb(path).exec("UPDATE jobs SET spec = x'ff' WHERE id = 2");
  auto state = journal->load();
  REQUIRE_FALSE(state.is_ok());
  CHECK(state.error() == "journal " + path + ": job 2: the stored spec does not parse");
}

TEST_CASE("a journal task row with an unknown state makes load() fail naming the task") {
  TempDir dir;
  const std::string path = dir.file("journal.db");
  auto journal = open_journal(path);
  Job job = make_job(4, "alice", "0-3");
  journal->record_job(job);
  journal->record_task(job, 2, finished_task(1, 0, 100), "node-a", 100);
  REQUIRE(journal->commit());
  RawDb(path).exec("UPDATE tasks SET state = 99");
  auto state = journal->load();
  REQUIRE_FALSE(state.is_ok());
  CHECK(state.error() == "journal " + path + ": job 4 task ordinal 2: unknown task state 99");
}
