// FileOutputReader and tail_offset; see output_file.h.
#include "exec/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "exec/task_user.h"
#include "exec/unique_fd.h"

namespace baton {
namespace {

Status read_error(const std::string& path, int error = errno) {
  return Status::error("cannot read " + path + ": " + std::strerror(error));
}

// Reads up to `n` bytes at `offset` into `buf`; fewer only at the end of the file.
ssize_t read_at(int fd, char* buf, std::size_t n, std::uint64_t offset) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = pread(fd, buf + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

Status check_owner(const std::string& path, const struct stat& st, const std::string& owner) {
  auto user = lookup_task_user(owner, /*allow_root=*/true);
  if (!user) return Status::error("cannot read " + path + ": its job's user '" + owner + "' is unknown on this worker");
  if (st.st_uid == user->uid) return Status::ok();
  return Status::error("refusing to read " + path + ": it belongs to uid " + std::to_string(st.st_uid) + ", not to " +
                       owner + " (uid " + std::to_string(user->uid) +
                       "), whose task wrote it; this worker runs tasks as their submitters and reads only their own files");
}

}  // namespace

Result<std::uint64_t> tail_offset(int fd, std::uint64_t size, std::uint32_t lines, std::uint64_t max_scan) {
  if (lines == 0) return size;
  const std::uint64_t limit = size > max_scan ? size - max_scan : 0;
  std::string buf(kMaxLogChunk, '\0');
  std::uint32_t seen = 0;
  for (std::uint64_t pos = size; pos > limit;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), pos - limit));
    const std::uint64_t start = pos - n;
    if (read_at(fd, buf.data(), n, start) != static_cast<ssize_t>(n))
      return Status::error(std::string("the file changed while it was read: ") + std::strerror(errno ? errno : EIO));
    for (std::size_t i = n; i-- > 0;) {
      const std::uint64_t at = start + i;
      if (buf[i] != '\n' || at + 1 == size) continue;  // the last line's own newline starts nothing
      if (++seen == lines) return at + 1;
    }
    pos = start;
  }
  return limit;
}

Result<OutputChunk> FileOutputReader::read(const OutputRead& r) {
  // O_NONBLOCK: a FIFO put in the file's place must not stall the worker.
  UniqueFd fd(open(r.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) {
    if (errno == ELOOP) return Status::error("refusing to read " + r.path + ": it is a symbolic link");
    return read_error(r.path);
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return read_error(r.path);
  if (!S_ISREG(st.st_mode)) return Status::error("refusing to read " + r.path + ": it is not a regular file");
  if (r.owner)
    if (Status s = check_owner(r.path, st, *r.owner); !s) return s;

  OutputChunk out;
  out.size = static_cast<std::uint64_t>(st.st_size);
  out.offset = r.offset;
  if (r.tail_lines) {
    auto start = tail_offset(fd.get(), out.size, *r.tail_lines);
    if (!start) return Status::error("cannot read " + r.path + ": " + start.error());
    out.offset = *start;
  }
  if (out.offset >= out.size) return out;  // at the end (or the file shrank): nothing now
  const std::size_t want = static_cast<std::size_t>(
      std::min<std::uint64_t>({r.max_bytes, kMaxLogChunk, out.size - out.offset}));
  out.data.resize(want);
  const ssize_t got = read_at(fd.get(), out.data.data(), want, out.offset);
  if (got < 0) return read_error(r.path);
  out.data.resize(static_cast<std::size_t>(got));
  return out;
}

}  // namespace baton
