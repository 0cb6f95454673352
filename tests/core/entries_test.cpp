// submit --each-line: a file's lines as one array's tasks (blank lines keep
// their number but get no task), the limits a line must meet, and the
// worker's index of the lines.
#include <doctest/doctest.h>

#include <string>

#include "core/array_spec.h"
#include "core/entries.h"
#include "engine_harness.h"
#include "worker_harness.h"

using namespace baton;
using namespace baton::test;

TEST_CASE("each line is a task numbered from 0; blank lines keep their number and get no task") {
  auto l = split_entries("a\nb\n\nc d\n\n\ne\n");
  REQUIRE(l);
  CHECK(l->lines == 7);
  CHECK(l->tasks == 4);
  CHECK(l->array == "0-1,3,6");
  CHECK(l->entries == "a\nb\n\nc d\n\n\ne\n");
  auto parsed = ArraySpec::parse(l->array, 1000);
  REQUIRE(parsed);
  CHECK(parsed->spec.count() == 4);
}

TEST_CASE("a last line without a newline is a line; a CRLF file loses its carriage returns") {
  auto l = split_entries("one\r\ntwo");
  REQUIRE(l);
  CHECK(l->entries == "one\ntwo\n");
  CHECK(l->array == "0-1");
}

TEST_CASE("bytes that are not UTF-8 pass through unchanged") {
  const std::string latin1 = "caf\xe9.txt";
  auto l = split_entries(latin1 + "\n");
  REQUIRE(l);
  const auto starts = entry_starts(l->entries);
  CHECK(entry_at(l->entries, starts, 0) == latin1);
}

TEST_CASE("a line over 1 MiB, a NUL byte, and a file with nothing to run are refused, naming the line") {
  std::string text = "ok\n" + std::string(kMaxEntryBytes + 1, 'x') + "\n";
  auto l = split_entries(text);
  REQUIRE_FALSE(l);
  CHECK(l.error().find("line 2 is 1048577 bytes") != std::string::npos);
  CHECK(split_entries(std::string(kMaxEntryBytes, 'x')));  // exactly 1 MiB is fine

  auto nul = split_entries(std::string("a\nb\0c\n", 6));
  REQUIRE_FALSE(nul);
  CHECK(nul.error().find("line 2 holds a NUL byte") != std::string::npos);

  auto blank = split_entries("\n\n\r\n");
  REQUIRE_FALSE(blank);
  CHECK(blank.error() == "every line is blank");
  CHECK(split_entries("").error() == "it is empty");
}

TEST_CASE("the worker's index cuts out line i, empty past the end") {
  const std::string e = "first\n\nthird line\n";
  const auto starts = entry_starts(e);
  CHECK(starts.size() == 4);
  CHECK(entry_at(e, starts, 0) == "first");
  CHECK(entry_at(e, starts, 1).empty());
  CHECK(entry_at(e, starts, 2) == "third line");
  CHECK(entry_at(e, starts, 3).empty());
  CHECK(entry_at(e, starts, 1u << 31).empty());
}

TEST_CASE("the broker refuses entries that do not end in a newline, hold a NUL, are too big, or are too few") {
  CHECK(check_entries("a\nb\n", 1, 0));
  CHECK(check_entries("a\nb", 1, 0).message().find("newline") != std::string::npos);
  CHECK(check_entries(std::string("a\0\n", 3), 0, 0).message().find("NUL") != std::string::npos);
  CHECK(check_entries("a\nb\n", 1, 3).message().find("broker.max_entries_size") != std::string::npos);
  CHECK(check_entries("a\nb\n", 2, 0).message().find("task index 2 is past the last line (index 1)") != std::string::npos);
}

TEST_CASE("the broker takes a job's lines beside its spec limit, and refuses lines the array does not fit") {
  BrokerConfig cfg;
  cfg.max_spec_bytes = 4096;
  cfg.max_entries_bytes = 1u << 20;
  BrokerHarness h(cfg);
  pb::JobSpec s = command("lines");
  std::string lines;
  for (int i = 0; i < 10000; ++i) lines += "/data/sample-" + std::to_string(i) + ".fastq\n";  // ~250 KB
  s.set_entries(lines);
  s.set_array("0-9999%8");
  const JobId id = h.submit(s);
  CHECK(h.job(id).total() == 10000);
  CHECK(h.job(id).spec.throttle() == 8);

  pb::JobSpec past = s;
  past.set_array("0-10000");
  auto r = h.engine.submit(past, h.now());
  REQUIRE_FALSE(r);
  CHECK(r.error().find("task index 10000 is past the last line (index 9999)") != std::string::npos);

  pb::JobSpec plain = s;
  plain.clear_array();
  r = h.engine.submit(plain, h.now());
  REQUIRE_FALSE(r);
  CHECK(r.error().find("no array") != std::string::npos);

  cfg.max_entries_bytes = 100000;
  BrokerHarness small(cfg);
  r = small.engine.submit(s, small.now());
  REQUIRE_FALSE(r);
  CHECK(r.error().find("broker.max_entries_size") != std::string::npos);
}

TEST_CASE("a worker gives task i its line i in BATON_ENTRY, and never passes an inherited one through") {
  using namespace baton::test::worker_test;
  WorkerHarness w;
  w.connect();
  pb::JobSpec s = spec();
  s.set_entries("alpha\n\ngamma delta\n");
  s.add_env("BATON_ENTRY=inherited");
  w.assign(array_assignment(42, 2, 1, s));
  pb::Assignment second = array_assignment(42, 0, 1, s);
  second.clear_spec();
  second.set_spec_cached(true);
  w.assign(second);
  REQUIRE(w.launcher.launched.size() == 2);
  auto env = env_of(w.launcher.launched[0]);
  CHECK(env.at("BATON_ENTRY") == "gamma delta");
  CHECK(env.at("BATON_ARRAY_TASK_ID") == "2");
  env = env_of(w.launcher.launched[1]);
  CHECK(env.at("BATON_ENTRY") == "alpha");
  // A job without lines sets no BATON_ENTRY, whatever the submitter had.
  w.assign(array_assignment(43, 0, 1, [] {
    pb::JobSpec p = spec();
    p.add_env("BATON_ENTRY=inherited");
    return p;
  }()));
  REQUIRE(w.launcher.launched.size() == 3);
  CHECK(env_of(w.launcher.launched[2]).count("BATON_ENTRY") == 0);
}
