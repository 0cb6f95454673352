#include "core/output_pattern.h"

#include <cctype>

namespace baton {

namespace {

std::string padded(std::uint64_t n, int width) {
  std::string s = std::to_string(n);
  if (width > 0 && static_cast<int>(s.size()) < width) s.insert(0, static_cast<std::size_t>(width) - s.size(), '0');
  return s;
}

}  // namespace

std::string expand_pattern(std::string_view p, const PatternValues& v) {
  std::string out;
  out.reserve(p.size() + 16);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '%' || i + 1 == p.size()) {
      out += p[i];
      continue;
    }
    std::size_t j = i + 1;
    int width = 0;
    while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j])) && width < 100) width = width * 10 + (p[j++] - '0');
    if (j == p.size()) {
      out.append(p.substr(i));
      break;
    }
    switch (p[j]) {
      case '%': out += '%'; break;
      case 'j':
      case 'J':  // sbatch's jobid.stepid: the batch step has no number
        out += padded(v.job, width);
        if (v.is_array) out += "_" + padded(v.index, width);
        break;
      case 'A': out += padded(v.job, width); break;
      case 'a': out += padded(v.index, width); break;
      case 'x': out += v.name; break;
      case 'u': out += v.user; break;
      case 'N': out += v.host; break;
      case 's': out += "batch"; break;                  // sbatch's step id of a batch script
      case 't': case 'n': out += padded(0, width); break;  // task and node rank: one of each

      default: out.append(p.substr(i, j - i + 1)); break;  // unknown: keep as written
    }
    i = j;
  }
  return out;
}

std::string default_output_pattern(bool is_array) { return is_array ? "baton-%A_%a.out" : "baton-%j.out"; }

std::string TaskFiles::absolute(const std::string& path) const {
  if (path.empty() || path[0] == '/') return path;
  return cwd.back() == '/' ? cwd + path : cwd + "/" + path;
}

TaskFiles task_files(const pb::JobSpec& spec, const PatternValues& v) {
  TaskFiles f;
  f.cwd = !spec.cwd().empty() ? spec.cwd() : !spec.submit_dir().empty() ? spec.submit_dir() : "/";
  f.stdout_path = expand_pattern(spec.stdout_pattern().empty() ? default_output_pattern(v.is_array) : spec.stdout_pattern(), v);
  if (!spec.stderr_pattern().empty()) f.stderr_path = expand_pattern(spec.stderr_pattern(), v);
  return f;
}

}  // namespace baton
