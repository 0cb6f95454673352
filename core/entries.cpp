// --each-line entries; see entries.h.
#include "core/entries.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace baton {

Result<EntryList> split_entries(std::string_view text) {
  EntryList out;
  out.entries.reserve(text.size() + 1);
  std::uint64_t run_start = 0, run_len = 0;  // the current run of non-blank lines
  auto close_run = [&] {
    if (run_len == 0) return;
    if (!out.array.empty()) out.array += ',';
    out.array += run_len == 1 ? std::to_string(run_start)
                              : std::to_string(run_start) + "-" + std::to_string(run_start + run_len - 1);
    run_len = 0;
  };
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t nl = text.find('\n', at);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::uint64_t index = out.lines++;
    if (line.size() > kMaxEntryBytes)
      return Status::error(fmt::format("line {} is {} bytes; a line may be at most 1 MiB ({} bytes)", index + 1,
                                       line.size(), kMaxEntryBytes));
    if (line.find('\0') != std::string_view::npos)
      return Status::error(fmt::format("line {} holds a NUL byte, which no environment variable can", index + 1));
    out.entries.append(line);
    out.entries += '\n';
    if (line.empty()) {
      close_run();
    } else {
      if (run_len == 0) run_start = index;
      ++run_len;
      ++out.tasks;
    }
    at = end + 1;
  }
  close_run();
  if (out.tasks == 0) return Status::error(out.lines ? "every line is blank" : "it is empty");
  return out;
}

std::vector<std::uint32_t> entry_starts(std::string_view entries) {
  std::vector<std::uint32_t> starts;
  starts.reserve(static_cast<std::size_t>(std::count(entries.begin(), entries.end(), '\n')) + 1);
  starts.push_back(0);
  for (const char* p = entries.data(), *end = p + entries.size();
       (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) != nullptr;)
    starts.push_back(static_cast<std::uint32_t>(++p - entries.data()));
  if (starts.back() != entries.size()) starts.push_back(static_cast<std::uint32_t>(entries.size()) + 1);
  return starts;
}

std::string_view entry_at(std::string_view entries, const std::vector<std::uint32_t>& starts, std::uint64_t index) {
  if (index + 1 >= starts.size()) return {};
  const std::uint32_t b = starts[index], e = starts[index + 1] - 1;
  return e > entries.size() || b > e ? std::string_view{} : entries.substr(b, e - b);
}

Status check_entries(std::string_view entries, std::uint64_t max_index, std::uint64_t max_bytes) {
  if (max_bytes && entries.size() > max_bytes)
    return Status::error(fmt::format("--each-line: the lines are {} bytes; the limit is {} (broker.max_entries_size)",
                                     entries.size(), max_bytes));
  if (entries.size() > UINT32_MAX - 1) return Status::error("--each-line: the lines are over 4 GiB");
  if (entries.empty() || entries.back() != '\n') return Status::error("--each-line: the lines do not end in a newline");
  if (entries.find('\0') != std::string_view::npos) return Status::error("--each-line: a line holds a NUL byte");
  const auto lines = static_cast<std::uint64_t>(std::count(entries.begin(), entries.end(), '\n'));
  if (max_index >= lines)
    return Status::error(fmt::format("--each-line: task index {} is past the last line (index {})", max_index, lines - 1));
  return Status::ok();
}

}  // namespace baton
