// CgroupTree: making, limiting, killing, measuring and removing task
// cgroups, for cgroup v2 and v1; see cgroup_tree.h.
#include "exec/cgroup_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <thread>

#include <spdlog/spdlog.h>

namespace baton {
namespace {

Status errno_error(const std::string& what, int error = errno) {
  return Status::error(what + ": " + std::strerror(error));
}

std::uint64_t number(const std::string& text) {
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') break;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

Status write_text(const std::string& path, const std::string& text) {
  // O_CREAT: a file a cgroup has is opened as it is; the tests' fake
  // cgroupfs (a plain directory) gets one.
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return errno_error("cannot open " + path);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return errno_error("cannot write '" + text + "' to " + path);
  return Status::ok();
}

Result<std::string> read_text(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return errno_error("cannot open " + path);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("cannot read " + path);
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::uint64_t keyed_value(const std::string& text, const std::string& key) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    if (text.compare(at, key.size(), key) == 0 && at + key.size() < end && text[at + key.size()] == ' ')
      return number(text.substr(at + key.size() + 1, end - at - key.size() - 1));
    at = end + 1;
  }
  return 0;
}

CgroupTree::CgroupTree(CgroupLayout layout, std::size_t pool)
    : layout_(std::move(layout)), pool_size_(pool), prefix_("t" + std::to_string(getpid()) + ".") {
  auto add = [this](const std::string& d) {
    if (!d.empty() && std::find(dirs_.begin(), dirs_.end(), d) == dirs_.end()) dirs_.push_back(d);
  };
  add(layout_.memory);
  if (layout_.version == 1) {
    add(layout_.freezer);
    add(layout_.cpuacct);
    if (layout_.cpu_limit != CpuLimit::none) add(layout_.cpu);
    if (layout_.cpu_limit != CpuLimit::none && !layout_.cpu.empty() && layout_.cpu != layout_.memory &&
        layout_.cpu != layout_.freezer && layout_.cpu != layout_.cpuacct)
      lazy_cpu_ = layout_.cpu;
  }
}

CgroupTree::~CgroupTree() {
  if (janitor_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_one();
    janitor_.join();
  }
  for (TaskCgroup& cg : released_) bury(std::move(cg));
  for (TaskCgroup& cg : pool_) remove(cg);
  retry_removals();
}

void CgroupTree::start_janitor() {
  if (!janitor_.joinable()) janitor_ = std::thread([this] { janitor(); });
}

void CgroupTree::janitor() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(dying_.empty() ? 1000 : 100), [this] {
      return stop_ || !released_.empty() || pool_.size() < pool_size_;
    });
    if (stop_) break;
    std::vector<TaskCgroup> gone = std::move(released_);
    released_.clear();
    const std::size_t missing = pool_size_ > pool_.size() ? pool_size_ - pool_.size() : 0;
    lock.unlock();
    for (TaskCgroup& cg : gone) bury(std::move(cg));
    retry_removals();
    std::vector<TaskCgroup> made;
    for (std::size_t i = 0; i < missing; ++i) {
      auto cg = make();
      if (!cg) {
        spdlog::warn("{}", cg.error());
        break;
      }
      made.push_back(std::move(*cg));
    }
    lock.lock();
    for (TaskCgroup& cg : made) pool_.push_back(std::move(cg));
    if (made.size() < missing && !stop_) wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
  }
}

std::string CgroupTree::in(const TaskCgroup& cg, const std::string& dir) const {
  if (dir.empty()) return "";
  for (std::size_t i = 0; i < dirs_.size() && i < cg.paths.size(); ++i)
    if (dirs_[i] == dir) return cg.paths[i];  // "" when not made (a lazy cpu cgroup)
  return "";
}

std::vector<int> CgroupTree::pids(const std::string& dir) const {
  std::vector<int> out;
  auto text = read_text(dir + "/cgroup.procs");
  if (!text) return out;
  std::size_t at = 0;
  while (at < text->size()) {
    const std::size_t end = std::min(text->find('\n', at), text->size());
    if (const std::uint64_t pid = number(text->substr(at, end - at)); pid > 0) out.push_back(static_cast<int>(pid));
    at = end + 1;
  }
  return out;
}

Result<TaskCgroup> CgroupTree::make() {
  TaskCgroup cg;
  // A name still taken (a cgroup not yet removed) is skipped, never shared.
  for (int tries = 0; tries < 100; ++tries) {
    cg.name = prefix_ + std::to_string(next_++);
    if (mkdir((dirs_.at(0) + "/" + cg.name).c_str(), 0755) == 0 || errno != EEXIST) break;
  }
  cg.paths.resize(dirs_.size());
  cg.join.resize(dirs_.size());
  for (std::size_t i = 0; i < dirs_.size(); ++i) {
    if (dirs_[i] == lazy_cpu_) continue;
    if (Status s = add(cg, i); !s) {
      remove(cg);
      return s;
    }
  }
  return cg;
}

Status CgroupTree::add(TaskCgroup& cg, std::size_t i) {
  const std::string path = dirs_.at(i) + "/" + cg.name;
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return errno_error("cannot create cgroup " + path);
  cg.paths.at(i) = path;
  cg.join.at(i).reset(open((path + "/cgroup.procs").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (!cg.join[i].valid()) return errno_error("cannot open " + path + "/cgroup.procs");
  return Status::ok();
}

void CgroupTree::refill() {
  if (janitor_.joinable()) {
    wake_.notify_one();
    return;
  }
  retry_removals();
  while (pool_.size() < pool_size_) {
    auto cg = make();
    if (!cg) {
      spdlog::warn("{}", cg.error());
      return;
    }
    pool_.push_back(std::move(*cg));
  }
}

Status CgroupTree::write_limits(const TaskCgroup& cg, const TaskLimits& limits) const {
  const std::string mem = cg.paths.at(0);
  if (layout_.enforce_mem && limits.mem_mb > 0) {
    const std::string bytes = std::to_string(limits.mem_mb << 20);
    if (layout_.version == 2) {
      if (Status s = write_text(mem + "/memory.max", bytes); !s) return s;
      // No swap beyond the limit: a task at its limit is killed, not swapped.
      if (exists(mem + "/memory.swap.max")) (void)write_text(mem + "/memory.swap.max", "0");
    } else {
      if (Status s = write_text(mem + "/memory.limit_in_bytes", bytes); !s) return s;
      // memsw (memory + swap) equal to the limit: no swap (needs swapaccount).
      if (exists(mem + "/memory.memsw.limit_in_bytes")) (void)write_text(mem + "/memory.memsw.limit_in_bytes", bytes);
    }
  }
  if (limits.cpus > 0 && layout_.cpu_limit != CpuLimit::none) {
    const std::uint64_t cpus = limits.cpus;
    if (layout_.version == 2) {
      if (layout_.cpu_limit == CpuLimit::weight)
        return write_text(mem + "/cpu.weight", std::to_string(std::min<std::uint64_t>(10000, 100 * cpus)));
      return write_text(mem + "/cpu.max", std::to_string(cpus * 100000) + " 100000");
    }
    const std::string cpu = in(cg, layout_.cpu);
    if (cpu.empty()) return Status::ok();
    if (layout_.cpu_limit == CpuLimit::weight) return write_text(cpu + "/cpu.shares", std::to_string(1024 * cpus));
    if (Status s = write_text(cpu + "/cpu.cfs_period_us", "100000"); !s) return s;
    return write_text(cpu + "/cpu.cfs_quota_us", std::to_string(cpus * 100000));
  }
  return Status::ok();
}

Result<TaskCgroup> CgroupTree::take(const TaskLimits& limits) {
  TaskCgroup cg;
  bool pooled = false;
  {
    std::lock_guard lock(mu_);
    if (!pool_.empty()) {
      cg = std::move(pool_.back());
      pool_.pop_back();
      pooled = true;
    }
  }
  if (!pooled) {
    auto made = make();
    if (!made) return made.status();
    cg = std::move(*made);
  }
  // v1 with a cpu hierarchy of its own: only a task that needs a cpu limit
  // gets a cgroup there. A one-cpu task under a weight has the default weight
  // of a new cgroup (1024 shares) anyway, and each hierarchy costs the launch
  // a mkdir, an rmdir and a cgroup migration (see BENCHMARKS.md).
  const bool needs_cpu = layout_.cpu_limit == CpuLimit::quota || (layout_.cpu_limit == CpuLimit::weight && limits.cpus > 1);
  Status s = Status::ok();
  if (!lazy_cpu_.empty() && needs_cpu)
    for (std::size_t i = 0; i < dirs_.size() && s; ++i)
      if (dirs_[i] == lazy_cpu_) s = add(cg, i);
  if (s) s = write_limits(cg, limits);
  if (!s) {
    release(std::move(cg));
    return s;
  }
  return cg;
}

void CgroupTree::kill(const TaskCgroup& cg) {
  const std::string mem = cg.paths.empty() ? "" : cg.paths[0];
  if (mem.empty()) return;
  if (layout_.version == 2 && write_text(mem + "/cgroup.kill", "1")) return;
  const std::string freezer = in(cg, layout_.freezer);
  bool frozen = false;
  if (!freezer.empty() && write_text(freezer + "/freezer.state", "FROZEN")) {
    // FREEZING until every process has stopped; bounded, then kill anyway.
    for (int i = 0; i < 100 && !frozen; ++i) {
      auto st = read_text(freezer + "/freezer.state");
      frozen = st && st->rfind("FROZEN", 0) == 0;
      if (!frozen) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  // Frozen, nothing can fork meanwhile and one round kills all; otherwise a
  // few rounds catch children forked while we read the list.
  for (int round = 0; round < (frozen ? 1 : 5); ++round) {
    const std::vector<int> list = pids(mem);
    if (list.empty()) break;
    for (int pid : list) ::kill(pid, SIGKILL);
  }
  if (!freezer.empty()) (void)write_text(freezer + "/freezer.state", "THAWED");
}

CgroupUsage CgroupTree::usage(const TaskCgroup& cg) const {
  CgroupUsage u;
  if (cg.paths.empty()) return u;
  const std::string mem = cg.paths[0];
  if (layout_.version == 2) {
    auto peak = read_text(mem + "/memory.peak");
    auto events = read_text(mem + "/memory.events");
    auto cpu = read_text(mem + "/cpu.stat");
    u.valid = static_cast<bool>(peak) || static_cast<bool>(cpu);
    if (peak) u.peak_kb = number(*peak) / 1024;
    if (events) u.oom_killed = keyed_value(*events, "oom_kill") > 0;
    if (cpu) u.cpu_ms = keyed_value(*cpu, "usage_usec") / 1000;
    return u;
  }
  auto peak = read_text(mem + "/memory.max_usage_in_bytes");
  auto oom = read_text(mem + "/memory.oom_control");
  u.valid = static_cast<bool>(peak);
  if (peak) u.peak_kb = number(*peak) / 1024;
  if (oom) u.oom_killed = keyed_value(*oom, "oom_kill") > 0;
  if (const std::string acct = in(cg, layout_.cpuacct); !acct.empty())
    if (auto ns = read_text(acct + "/cpuacct.usage")) u.cpu_ms = number(*ns) / 1000000;
  return u;
}

bool CgroupTree::remove(const TaskCgroup& cg) {
  bool all = true;
  for (const std::string& path : cg.paths) {
    if (path.empty() || rmdir(path.c_str()) == 0 || errno == ENOENT) continue;
    if (errno == ENOTEMPTY) {
      // A plain directory (the tests' fake cgroupfs) holds files; a cgroup's
      // own files cannot be unlinked, and a cgroup never reports this.
      if (DIR* d = opendir(path.c_str())) {
        while (dirent* e = readdir(d))
          if (e->d_name[0] != '.') unlink((path + "/" + e->d_name).c_str());
        closedir(d);
      }
      if (rmdir(path.c_str()) == 0) continue;
    }
    all = false;  // EBUSY: processes still dying
  }
  return all;
}

void CgroupTree::release(TaskCgroup cg) {
  if (janitor_.joinable()) {
    // Killed here, at once (the task is over); removed by the janitor.
    if (!pids(cg.paths.at(0)).empty()) kill(cg);
    cg.join.clear();
    {
      std::lock_guard lock(mu_);
      released_.push_back(std::move(cg));
    }
    wake_.notify_one();
    return;
  }
  bury(std::move(cg));
}

void CgroupTree::bury(TaskCgroup cg) {
  if (!pids(cg.paths.at(0)).empty()) {
    kill(cg);
    // Killed processes take a moment to exit; wait a little (bounded) so the
    // cgroup goes now rather than at a later retry.
    for (int i = 0; i < 50 && !pids(cg.paths[0]).empty(); ++i)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  cg.join.clear();
  if (!remove(cg)) dying_.push_back(std::move(cg));
}

void CgroupTree::retry_removals() {
  std::erase_if(dying_, [this](TaskCgroup& cg) {
    if (!pids(cg.paths.at(0)).empty()) kill(cg);
    return remove(cg);
  });
  if (dying_.size() > 1000) {
    spdlog::warn("{} task cgroups could not be removed yet (first: {})", dying_.size(), dying_.front().paths.at(0));
    dying_.erase(dying_.begin(), dying_.begin() + 500);
  }
}

// Task cgroups are named t<pid>.<n> after the worker that made them. Another
// worker on this host may share the directory (a second worker of the same
// name serving another broker; on v2, every worker of one delegated cgroup):
// while that pid is a live process of this same program, its cgroups are its
// own, not leftovers. A pid reused by another program does not protect them.
namespace {
bool owned_by_live_worker(const std::string& name) {
  const std::size_t dot = name.find('.');
  const std::uint64_t pid = number(name.substr(1, dot - 1));
  if (pid == 0 || pid > static_cast<std::uint64_t>(std::numeric_limits<pid_t>::max()) || static_cast<pid_t>(pid) == getpid()) return false;
  static const Result<std::string> ours = read_text("/proc/self/comm");
  const Result<std::string> theirs = read_text("/proc/" + std::to_string(pid) + "/comm");
  return ours && theirs && *ours == *theirs;
}
}  // namespace

std::size_t CgroupTree::sweep() {
  std::size_t found = 0;
  DIR* d = opendir(dirs_.empty() ? "/nonexistent" : dirs_[0].c_str());
  if (!d) return 0;
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    // Task cgroups are t<pid>.<n>. Called at start, before this worker has
    // made any: every one is a leftover (even one with our pid, reused).
    if (name.size() > 1 && name[0] == 't' && name.find('.') != std::string::npos && !owned_by_live_worker(name))
      names.push_back(name);
  }
  closedir(d);
  for (const std::string& name : names) {
    TaskCgroup cg;
    cg.name = name;
    for (const std::string& dir : dirs_) cg.paths.push_back(dir + "/" + name);
    if (const std::vector<int> left = pids(cg.paths[0]); !left.empty()) {
      spdlog::warn("cgroup {} of a previous worker still has {} process(es): killing them", cg.paths[0], left.size());
      ++found;
    }
    release(std::move(cg));
  }
  return found;
}

}  // namespace baton
