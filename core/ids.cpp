#include "core/ids.h"

#include <charconv>

namespace baton {

std::string format_task(JobId job, TaskIndex index, bool is_array) {
  std::string s = std::to_string(job);
  if (is_array) {
    s += '_';
    s += std::to_string(index);
  }
  return s;
}

namespace {
bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

std::optional<Target> parse_target(std::string_view text) {
  Target t;
  auto us = text.find('_');
  std::string_view job = text.substr(0, us);
  if (!parse_u64(job, t.job) || t.job == 0) return std::nullopt;
  if (us == std::string_view::npos) return t;
  std::string_view rest = text.substr(us + 1);
  if (rest.size() >= 2 && rest.front() == '[' && rest.back() == ']') {
    rest = rest.substr(1, rest.size() - 2);
  } else {
    std::uint64_t idx = 0;
    if (!parse_u64(rest, idx) || idx > UINT32_MAX) return std::nullopt;
  }
  if (rest.empty()) return std::nullopt;
  t.indices = std::string(rest);
  return t;
}

}  // namespace baton
