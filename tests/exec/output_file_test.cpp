// FileOutputReader and tail_offset on real files: chunks at offsets, where the
// last N lines start, and the refusals that keep a root worker from reading
// what the job's user could not (symlinks, non-files, other owners).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "exec/output_file.h"
#include "exec/unique_fd.h"

using namespace baton;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/baton-output-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name, const std::string& text) const {
    const std::string p = (path / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  fs::path path;
};

// Where the last `lines` lines of `text` start, through a real file.
std::uint64_t tail_of(const std::string& text, std::uint32_t lines, std::uint64_t max_scan = 64u << 20) {
  TempDir d;
  UniqueFd fd(open(d.file("t", text).c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.valid());
  auto off = tail_offset(fd.get(), text.size(), lines, max_scan);
  REQUIRE_MESSAGE(off, off.error());
  return *off;
}

Result<OutputChunk> read(const std::string& path, std::uint64_t offset, std::optional<std::uint32_t> tail = {},
                         std::optional<std::string> owner = {}) {
  OutputRead r;
  r.path = path;
  r.offset = offset;
  r.tail_lines = tail;
  r.owner = std::move(owner);
  return FileOutputReader().read(r);
}

std::string my_name() {
  const passwd* pw = getpwuid(geteuid());
  REQUIRE(pw != nullptr);
  return pw->pw_name;
}

}  // namespace

TEST_SUITE("exec.output_file") {

TEST_CASE("the last N lines start after the Nth newline from the end, not counting a final one") {
  CHECK(tail_of("a\nb\nc\n", 2) == 2);
  CHECK(tail_of("a\nb\nc\n", 1) == 4);
  CHECK(tail_of("a\nb\nc\n", 3) == 0);
  CHECK(tail_of("a\nb\nc\n", 0) == 6);
}

TEST_CASE("a file without a trailing newline: its last, unfinished line counts") {
  CHECK(tail_of("a\nb\nc", 1) == 4);
  CHECK(tail_of("a\nb\nc", 2) == 2);
  CHECK(tail_of("abc", 1) == 0);
}

TEST_CASE("more lines than the file has, and an empty file, start at 0") {
  CHECK(tail_of("a\nb\n", 10) == 0);
  CHECK(tail_of("", 3) == 0);
  CHECK(tail_of("\n\n", 1) == 1);  // the last line is empty
}

TEST_CASE("lines that span many read blocks are found, and the scan back is bounded") {
  const std::string big(200 * 1024, 'x');
  const std::string text = "first\n" + big + "\n" + big + "\nlast\n";
  CHECK(tail_of(text, 2) == 6 + big.size() + 1);
  CHECK(tail_of(text, 3) == 6);
  // Not found within the bound: the output starts at the bound.
  CHECK(tail_of(text, 3, 1000) == text.size() - 1000);
}

TEST_CASE("reads come in chunks of at most 64 KiB from the asked offset") {
  TempDir d;
  std::string text;
  for (int i = 0; text.size() < 150 * 1024; ++i) text += "line " + std::to_string(i) + "\n";
  const std::string p = d.file("out", text);
  std::string got;
  std::uint64_t offset = 0;
  for (int chunks = 0; offset < text.size(); ++chunks) {
    REQUIRE(chunks < 10);
    auto c = read(p, offset);
    REQUIRE_MESSAGE(c, c.error());
    CHECK(c->offset == offset);
    CHECK(c->size == text.size());
    CHECK(c->data.size() <= kMaxLogChunk);
    REQUIRE_FALSE(c->data.empty());
    got += c->data;
    offset += c->data.size();
  }
  CHECK(got == text);
  auto end = read(p, text.size());
  REQUIRE(end);
  CHECK(end->data.empty());
  auto past = read(p, text.size() + 10);  // the file shrank under the reader
  REQUIRE(past);
  CHECK(past->data.empty());
  CHECK(past->size == text.size());
}

TEST_CASE("a tail read starts at the last lines and says where") {
  TempDir d;
  const std::string p = d.file("out", "1\n2\n3\n4\n5\n");
  auto c = read(p, 0, 2u);
  REQUIRE_MESSAGE(c, c.error());
  CHECK(c->offset == 6);
  CHECK(c->data == "4\n5\n");
}

TEST_CASE("errors name the path and the cause") {
  TempDir d;
  const std::string missing = (d.path / "nope.out").string();
  auto c = read(missing, 0);
  REQUIRE_FALSE(c);
  CHECK(c.error() == "cannot read " + missing + ": No such file or directory");
}

TEST_CASE("a symbolic link and a FIFO in the output file's place are refused") {
  TempDir d;
  const std::string target = d.file("secret", "secret\n");
  const std::string link = (d.path / "link.out").string();
  REQUIRE(symlink(target.c_str(), link.c_str()) == 0);
  auto c = read(link, 0);
  REQUIRE_FALSE(c);
  CHECK(c.error() == "refusing to read " + link + ": it is a symbolic link");

  const std::string fifo = (d.path / "fifo.out").string();
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  auto f = read(fifo, 0);  // must not block
  REQUIRE_FALSE(f);
  CHECK(f.error() == "refusing to read " + fifo + ": it is not a regular file");
}

TEST_CASE("with an owner, the file must belong to that user") {
  TempDir d;
  const std::string p = d.file("out", "mine\n");
  auto ok = read(p, 0, {}, my_name());
  REQUIRE_MESSAGE(ok, ok.error());
  CHECK(ok->data == "mine\n");

  const passwd* nobody = getpwnam("nobody");
  if (!nobody || nobody->pw_uid == geteuid()) return;  // no other user to test against
  auto no = read(p, 0, {}, std::string("nobody"));
  REQUIRE_FALSE(no);
  CHECK(no.error().find("refusing to read " + p + ": it belongs to uid " + std::to_string(geteuid()) +
                        ", not to nobody") == 0);
  if (geteuid() != 0) return;  // only root can give the file away
  REQUIRE(chown(p.c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
  auto theirs = read(p, 0, {}, std::string("nobody"));
  REQUIRE_MESSAGE(theirs, theirs.error());
  CHECK(theirs->data == "mine\n");
}

TEST_CASE("an owner unknown on this host is an error, not a pass") {
  TempDir d;
  const std::string p = d.file("out", "x\n");
  auto c = read(p, 0, {}, std::string("no-such-user-baton"));
  REQUIRE_FALSE(c);
  CHECK(c.error() == "cannot read " + p + ": its job's user 'no-such-user-baton' is unknown on this worker");
}

}  // TEST_SUITE
