// `submit --each-line FILE`: a file's lines as the tasks of one array job,
// as HyperQueue's --each-line. Task i runs with line i (counted from 0) in
// BATON_ENTRY, so BATON_ARRAY_TASK_ID and %a name the line.
//
// The lines travel and are stored once, in JobSpec.entries: every line, each
// ending in '\n', one blob in the journal and one copy in the broker's
// memory; not a job, nor a string, per task. A worker indexes them once per
// job (entry_starts) and cuts line i out at launch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace baton {

// The longest line one task takes (its BATON_ENTRY).
inline constexpr std::size_t kMaxEntryBytes = 1u << 20;

struct EntryList {
  std::string entries;        // every line, '\n'-terminated (a last line without one gets one)
  std::string array;          // the indices of the non-blank lines: "0-99999", "0-4,6-9"
  std::uint64_t lines = 0;    // all lines, blank ones too
  std::uint64_t tasks = 0;    // the non-blank ones
};

// Splits `text` into lines. A trailing "\r" (a CRLF file) is dropped from
// each line. Blank lines keep their number but get no task. Errors name the
// line (from 1): one longer than kMaxEntryBytes, a NUL byte (an environment
// value cannot hold one), or no non-blank line at all. Other bytes, UTF-8 or
// not, pass through unchanged.
Result<EntryList> split_entries(std::string_view text);

// Where each line of `entries` starts, plus one past the end: line i is
// [starts[i], starts[i + 1] - 1).
std::vector<std::uint32_t> entry_starts(std::string_view entries);
// Line `index` of `entries` (without its '\n'); empty past the last line.
std::string_view entry_at(std::string_view entries, const std::vector<std::uint32_t>& starts, std::uint64_t index);

// The broker's check of a submitted spec's entries: '\n'-terminated, no NUL,
// at most `max_bytes`, and `max_index` (the array's highest) within them.
Status check_entries(std::string_view entries, std::uint64_t max_index, std::uint64_t max_bytes);

}  // namespace baton
