#include "cmd/daemon_util.h"

#include <fcntl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

namespace baton::cli {

void setup_logging(const std::string& level, const std::string& who) {
  auto logger = spdlog::stderr_color_mt(who);
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ " + who + "[%P] %v");
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

Status lock_file(const std::string& path) {
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::error("cannot open lock file " + path + ": " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return Status::error("another process (pid " + holder + ") holds " + path);
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) == 0 && pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock is what matters; the pid is only for the message above.
  }
  return Status::ok();
}

int lock_holder(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  int pid = 0;
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
    flock(fd, LOCK_UN);
  } else {
    char buf[32] = {};
    if (pread(fd, buf, sizeof buf - 1, 0) > 0) pid = std::atoi(buf);
    if (pid <= 0) pid = -1;  // held, by a pid it did not write down
  }
  close(fd);
  return pid;
}

PathWatch::PathWatch(std::string path) {
  struct stat st{};
  if (path.empty() || stat(path.c_str(), &st) != 0) return;  // nothing to watch
  path_ = std::move(path);
  dev_ = st.st_dev;
  ino_ = st.st_ino;
}

bool PathWatch::unchanged() const {
  struct stat st{};
  return path_.empty() || (stat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_);
}

std::string ipc_path(const std::string& endpoint) {
  return endpoint.rfind("ipc://", 0) == 0 ? endpoint.substr(6) : std::string();
}

std::string random_id() {
  std::random_device rd;
  char buf[20];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return buf;
}

Status make_parent_dirs(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return Status::ok();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) return Status::error("cannot create " + parent.string() + ": " + ec.message());
  return Status::ok();
}

}  // namespace baton::cli
