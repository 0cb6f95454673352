// PATH lookup for task commands; see command_path.h.
#include "exec/command_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace baton {

std::string_view task_path(const std::vector<std::string>& env) {
  for (const std::string& kv : env) {
    if (kv.compare(0, 5, "PATH=") == 0) return std::string_view(kv).substr(5);
  }
  return kDefaultTaskPath;
}

Result<std::string> find_command(const std::string& name, std::string_view path, int cwd_fd) {
  if (name.empty()) return Status::error("cannot run '': empty command name");
  if (name.find('/') != std::string::npos) return name;
  int error = ENOENT;
  for (;;) {
    std::size_t colon = path.find(':');
    std::string_view dir = path.substr(0, colon);
    std::string candidate = dir.empty() ? name : std::string(dir) + "/" + name;
    struct stat st;
    if (fstatat(cwd_fd, candidate.c_str(), &st, 0) == 0 && S_ISREG(st.st_mode)) {
      if (faccessat(cwd_fd, candidate.c_str(), X_OK, 0) == 0) return candidate;
      error = EACCES;
    }
    if (colon == std::string_view::npos) break;
    path.remove_prefix(colon + 1);
  }
  return Status::error("cannot run '" + name + "': " + std::strerror(error));
}

std::vector<std::string> command_candidates(const std::string& name, std::string_view path) {
  std::vector<std::string> out;
  for (;;) {
    std::size_t colon = path.find(':');
    std::string_view dir = path.substr(0, colon);
    out.push_back(dir.empty() ? name : std::string(dir) + "/" + name);
    if (colon == std::string_view::npos) break;
    path.remove_prefix(colon + 1);
  }
  return out;
}

}  // namespace baton
