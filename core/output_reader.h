// How the worker engine reads a task's output file for `baton logs`: the
// broker asks (ReadLog), the worker reads one bounded chunk and answers
// (LogChunk). exec/ implements it on the file system; tests use a fake.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"

namespace baton {

// The most one read returns, whatever is asked: the bound on what a worker,
// the broker and a client hold per reader.
constexpr std::uint32_t kMaxLogChunk = 64 * 1024;

struct OutputRead {
  std::string path;                         // absolute
  std::uint64_t offset = 0;                 // read from this byte...
  std::optional<std::uint32_t> tail_lines;  // ...or from where the last N lines start
  std::uint32_t max_bytes = kMaxLogChunk;
  // Set when the task ran as another user (worker.run_as_submitter): the file
  // must belong to this user, so a root worker reads only what the job's own
  // user could have written.
  std::optional<std::string> owner;
};

struct OutputChunk {
  std::string data;
  std::uint64_t offset = 0;  // where data starts
  std::uint64_t size = 0;    // the file's size when read
};

class OutputReader {
 public:
  virtual ~OutputReader() = default;
  // Errors name the path and the cause ("cannot read /x/y.out: No such file
  // or directory").
  virtual Result<OutputChunk> read(const OutputRead& r) = 0;
};

}  // namespace baton
