// Reading task output files for `baton logs` (core/output_reader.h): one
// bounded chunk per call, from an offset or from the last N lines, with the
// checks a root worker needs so it cannot be made to read someone else's file.
// May not touch: the files beyond reading them, the worker's credentials.
#pragma once

#include <cstdint>

#include "core/output_reader.h"

namespace baton {

class FileOutputReader : public OutputReader {
 public:
  // Opens with O_NOFOLLOW (a symlink in the task's place is refused) and
  // reads only regular files. With r.owner, the file must belong to that
  // user's uid (fstat of the open file, so a swap after the check cannot fool it).
  Result<OutputChunk> read(const OutputRead& r) override;
};

// Where the last `lines` lines of the open file `fd` of `size` bytes start. A
// final newline ends the last line rather than starting another; fewer lines
// than asked means 0, and 0 lines means `size`. Scans back at most
// `max_scan` bytes: lines longer than that start the output at the bound.
Result<std::uint64_t> tail_offset(int fd, std::uint64_t size, std::uint32_t lines,
                                  std::uint64_t max_scan = 64u << 20);

}  // namespace baton
