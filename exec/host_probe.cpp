// Host resources from sched_getaffinity, /proc/meminfo and the NVIDIA driver;
// see host_probe.h. Runs at most one short-lived child (nvidia-smi), which it
// waits for by pid and kills if it hangs.
#include "exec/host_probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

extern char** environ;

namespace baton {
namespace {

constexpr std::string_view kNvidiaProcDir = "/proc/driver/nvidia/gpus";
constexpr int kNvidiaSmiTimeoutMs = 10'000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Calls f(line) for each line of text, without the newline.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    f(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::uint32_t affinity_cpus() {
  // Start at the glibc default size and grow: hosts may have more than 1024 CPUs.
  for (int ncpus = CPU_SETSIZE; ncpus <= (1 << 20); ncpus *= 2) {
    cpu_set_t* set = CPU_ALLOC(ncpus);
    if (set == nullptr) break;
    std::size_t size = CPU_ALLOC_SIZE(ncpus);
    CPU_ZERO_S(size, set);
    int rc = sched_getaffinity(0, size, set);
    int saved = errno;
    int count = rc == 0 ? CPU_COUNT_S(size, set) : 0;
    CPU_FREE(set);
    if (rc == 0) return static_cast<std::uint32_t>(count);
    if (saved != EINVAL) {
      spdlog::warn("sched_getaffinity: {}", std::strerror(saved));
      break;
    }
  }
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<std::uint32_t>(online) : 1;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Runs `nvidia-smi -L` and returns its stdout; nullopt if it is not on PATH,
// fails, or takes longer than kNvidiaSmiTimeoutMs (then it is killed).
std::optional<std::string> run_nvidia_smi() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  char arg0[] = "nvidia-smi";
  char arg1[] = "-L";
  char* argv[] = {arg0, arg1, nullptr};
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "nvidia-smi", &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    if (rc != ENOENT) spdlog::warn("cannot run nvidia-smi: {}", std::strerror(rc));
    return std::nullopt;
  }

  std::string output;
  bool finished = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kNvidiaSmiTimeoutMs);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    char buf[4096];
    ssize_t got = read(fds[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      finished = got == 0;
      break;
    }
    output.append(buf, static_cast<std::size_t>(got));
  }
  close(fds[0]);
  if (!finished) {
    spdlog::warn("nvidia-smi -L did not finish in {} ms; killed it", kNvidiaSmiTimeoutMs);
    kill(pid, SIGKILL);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!finished || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return output;
}

}  // namespace

std::optional<std::uint64_t> parse_meminfo(std::string_view text) {
  std::optional<std::uint64_t> result;
  for_each_line(text, [&](std::string_view line) {
    constexpr std::string_view key = "MemTotal:";
    if (result || line.substr(0, key.size()) != key) return;
    std::string_view rest = trim(line.substr(key.size()));
    std::uint64_t kb = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kb);
    if (ec != std::errc()) return;
    std::string_view unit = trim(std::string_view(end, rest.data() + rest.size() - end));
    if (unit != "kB" && !unit.empty()) return;
    result = kb / 1024;
  });
  return result;
}

std::optional<std::uint32_t> count_nvidia_gpus(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return std::nullopt;
  std::uint32_t count = 0;
  while (dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) ++count;
  }
  closedir(d);
  return count;
}

std::vector<std::uint32_t> parse_nvidia_smi_list(std::string_view text) {
  std::vector<std::uint32_t> ids;
  for_each_line(text, [&](std::string_view line) {
    constexpr std::string_view prefix = "GPU ";
    if (line.substr(0, prefix.size()) != prefix) return;  // MIG lines are indented
    line.remove_prefix(prefix.size());
    std::uint32_t id = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), id);
    if (ec != std::errc() || end == line.data() + line.size() || *end != ':') return;
    ids.push_back(id);
  });
  return ids;
}

HostInfo probe_host() {
  HostInfo info;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) {
    info.hostname = name;
  } else {
    spdlog::warn("gethostname: {}", std::strerror(errno));
  }
  info.cpus = affinity_cpus();
  if (auto mem = parse_meminfo(read_text_file("/proc/meminfo"))) {
    info.mem_mb = *mem;
  } else {
    spdlog::warn("no MemTotal in /proc/meminfo; reporting 0 MiB");
  }
  if (auto gpus = count_nvidia_gpus(std::string(kNvidiaProcDir))) {
    for (std::uint32_t i = 0; i < *gpus; ++i) info.gpu_ids.push_back(i);
  } else if (auto listing = run_nvidia_smi()) {
    info.gpu_ids = parse_nvidia_smi_list(*listing);
  }
  return info;
}

}  // namespace baton
