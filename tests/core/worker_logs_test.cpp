// The worker's side of `baton logs`: a ReadLog is answered at once with one
// bounded chunk (or the reader's error), and a run-as-submitter worker reads
// only files that belong to the job's user.
#include <doctest/doctest.h>

#include "worker_harness.h"

using namespace baton;
using namespace baton::test;
using namespace baton::test::worker_test;

namespace {

pb::Envelope read_log(std::uint64_t id, const std::string& path, std::uint64_t offset, std::uint32_t max_bytes = 0) {
  pb::Envelope env;
  pb::ReadLog* r = env.mutable_read_log();
  r->set_read_id(id);
  r->set_path(path);
  r->set_offset(offset);
  r->set_max_bytes(max_bytes);
  r->set_user("alice");
  return env;
}

std::vector<pb::LogChunk> chunks(WorkerHarness& w) {
  std::vector<pb::LogChunk> out;
  for (auto& o : w.outbox.take())
    if (o.message.has_log_chunk()) out.push_back(o.message.log_chunk());
  return out;
}

}  // namespace

TEST_SUITE("core.worker_logs") {

TEST_CASE("a read is answered with the chunk at its offset, under its read id") {
  WorkerHarness w;
  w.connect();
  w.reader.files["/p/out"] = "line one\nline two\n";
  w.receive(read_log(5, "/p/out", 5));
  auto c = chunks(w);
  REQUIRE(c.size() == 1);
  CHECK(c[0].read_id() == 5);
  CHECK(c[0].data() == "one\nline two\n");
  CHECK(c[0].offset() == 5);
  CHECK(c[0].size() == 18);
  CHECK(c[0].error().empty());
}

TEST_CASE("a chunk is at most 64 KiB, whatever the broker asks") {
  WorkerHarness w;
  w.connect();
  w.reader.files["/p/big"] = std::string(200 * 1024, 'x');
  w.receive(read_log(1, "/p/big", 0, 1u << 30));
  w.receive(read_log(2, "/p/big", 0, 10));
  w.receive(read_log(3, "/p/big", 0, 0));
  REQUIRE(w.reader.reads.size() == 3);
  CHECK(w.reader.reads[0].max_bytes == kMaxLogChunk);
  CHECK(w.reader.reads[1].max_bytes == 10);
  CHECK(w.reader.reads[2].max_bytes == kMaxLogChunk);
  auto c = chunks(w);
  REQUIRE(c.size() == 3);
  CHECK(c[0].data().size() == kMaxLogChunk);
  CHECK(c[1].data().size() == 10);
}

TEST_CASE("a tail read passes the line count; the reader chooses the start") {
  WorkerHarness w;
  w.connect();
  w.reader.files["/p/out"] = "a\nb\n";
  pb::Envelope env = read_log(1, "/p/out", 0);
  env.mutable_read_log()->set_tail_lines(3);
  w.receive(env);
  REQUIRE(w.reader.reads.size() == 1);
  REQUIRE(w.reader.reads[0].tail_lines);
  CHECK(*w.reader.reads[0].tail_lines == 3);
  w.receive(read_log(2, "/p/out", 0));
  CHECK_FALSE(w.reader.reads[1].tail_lines);
}

TEST_CASE("a read error comes back as the chunk's error") {
  WorkerHarness w;
  w.connect();
  w.receive(read_log(9, "/p/missing", 0));
  auto c = chunks(w);
  REQUIRE(c.size() == 1);
  CHECK(c[0].read_id() == 9);
  CHECK(c[0].error() == "cannot read /p/missing: No such file or directory");
  CHECK(c[0].data().empty());
}

TEST_CASE("a run-as-submitter worker reads only files owned by the job's user; others need no owner") {
  WorkerConfig cfg = config();
  cfg.run_as_submitter = true;
  WorkerHarness as_user(cfg);
  as_user.connect();
  as_user.receive(read_log(1, "/p/out", 0));
  REQUIRE(as_user.reader.reads.size() == 1);
  REQUIRE(as_user.reader.reads[0].owner);
  CHECK(*as_user.reader.reads[0].owner == "alice");

  WorkerHarness plain;
  plain.connect();
  plain.receive(read_log(1, "/p/out", 0));
  REQUIRE(plain.reader.reads.size() == 1);
  CHECK_FALSE(plain.reader.reads[0].owner);
}

}  // TEST_SUITE
