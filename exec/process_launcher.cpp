// ProcessLauncher: prepares a task's files, command line and environment in
// the parent, then hands a ChildPlan to spawn_child(); see process_launcher.h.
#include "exec/process_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <optional>
#include <vector>

#include <spdlog/spdlog.h>

#include "exec/command_path.h"
#include "exec/spawn.h"
#include "exec/task_user.h"

namespace baton {
namespace {

constexpr mode_t kOutputMode = 0644;
constexpr mode_t kScriptMode = 0700;
constexpr mode_t kSpoolMode = 0700;
const std::string kShell = "/bin/sh";
// Where a run-as task finds its script: fd 3, which the child keeps open.
const std::string kScriptFd = "/proc/self/fd/3";

Status errno_error(const std::string& what, int error = errno) {
  return Status::error(what + ": " + std::strerror(error));
}

// The child dup2()s our fds onto 0/1/2; if the worker had one of those closed,
// an fd we opened could itself be 0..2 and be overwritten before its turn.
Status keep_above_stdio(UniqueFd& fd) {
  if (fd.get() > 2) return Status::ok();
  int high = fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (high < 0) return errno_error("cannot duplicate descriptor");
  fd.reset(high);
  return Status::ok();
}

std::string shown_path(const std::string& cwd, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return cwd.back() == '/' ? cwd + path : cwd + "/" + path;
}

Result<UniqueFd> open_output(int cwd_fd, const std::string& cwd, const std::string& path,
                             bool append) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (append ? O_APPEND : O_TRUNC);
  UniqueFd fd(openat(cwd_fd, path.c_str(), flags, kOutputMode));
  if (!fd.valid()) return errno_error("cannot open output file " + shown_path(cwd, path));
  if (Status s = keep_above_stdio(fd); !s) return s;
  return fd;
}

Status make_dirs(const std::string& dir) {
  for (std::size_t i = 1; i <= dir.size(); ++i) {
    if (i != dir.size() && dir[i] != '/') continue;
    std::string prefix = dir.substr(0, i);
    if (mkdir(prefix.c_str(), kSpoolMode) != 0 && errno != EEXIST)
      return errno_error("cannot create spool directory " + prefix);
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) return errno_error("cannot use spool directory " + dir);
  if (!S_ISDIR(st.st_mode)) return Status::error("spool path " + dir + " is not a directory");
  return Status::ok();
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 80) line = line.substr(0, 77) + "...";
  return line;
}

char* mutable_cstr(const std::string& s) { return const_cast<char*>(s.c_str()); }

// An execve vector: `items` appended to `out`, then the terminating null.
// The strings must outlive it.
std::vector<char*> exec_vector(std::vector<char*> out, const std::vector<std::string>& items) {
  out.reserve(out.size() + items.size() + 1);
  for (const std::string& item : items) out.push_back(mutable_cstr(item));
  out.push_back(nullptr);
  return out;
}

// Why a child did not get to run its task, in the words launch() promises.
Status launch_error(const LaunchSpec& spec, const SpawnOutcome& outcome) {
  const bool is_script = !spec.script.empty();
  const std::string as = spec.run_as ? "cannot start task as user '" + *spec.run_as + "': " : "";
  switch (outcome.failed) {
    case ChildStep::chdir:
      return errno_error("cannot chdir to " + spec.cwd, outcome.error);
    case ChildStep::exec:
      if (!is_script)
        return errno_error("cannot run '" + spec.argv[0] + "'", outcome.error);
      if (spec.script.rfind("#!", 0) == 0)
        return errno_error("cannot run script (" + first_line(spec.script) + ")", outcome.error);
      return errno_error("cannot run script with " + kShell, outcome.error);
    case ChildStep::redirect:
      return errno_error("cannot start task: redirecting output", outcome.error);
    case ChildStep::open_stdout:
      return errno_error("cannot open output file " + shown_path(spec.cwd, spec.stdout_path), outcome.error);
    case ChildStep::open_stderr:
      return errno_error("cannot open output file " + shown_path(spec.cwd, spec.stderr_path), outcome.error);
    case ChildStep::setgid:
      return errno_error(as + "setgid", outcome.error);
    case ChildStep::setgroups:
      return errno_error(as + "setgroups", outcome.error);
    case ChildStep::setuid:
      return errno_error(as + "setuid", outcome.error);
    case ChildStep::script_fd:
      return errno_error("cannot start task: passing the script", outcome.error);
    case ChildStep::vfork:
      return errno_error("cannot start task: vfork", outcome.error);
    case ChildStep::setsid:
      return errno_error("cannot start task: setsid", outcome.error);
    case ChildStep::deathsig:
      return errno_error("cannot start task: prctl(PR_SET_PDEATHSIG)", outcome.error);
    case ChildStep::parent_gone:
      return Status::error("cannot start task: the worker exited during the launch");
    case ChildStep::cgroup:
      return errno_error("cannot start task: joining its cgroup", outcome.error);
    case ChildStep::none:
      break;
  }
  return Status::error("cannot start task: unknown failure");
}

}  // namespace

Result<std::unique_ptr<ProcessLauncher>> ProcessLauncher::create(std::string spool_dir) {
  while (spool_dir.size() > 1 && spool_dir.back() == '/') spool_dir.pop_back();
  if (spool_dir.empty()) return Status::error("no spool directory given");
  if (Status s = make_dirs(spool_dir); !s) return s;
  UniqueFd dev_null(open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (!dev_null.valid()) return errno_error("cannot open /dev/null");
  if (Status s = keep_above_stdio(dev_null); !s) return s;
  return std::unique_ptr<ProcessLauncher>(
      new ProcessLauncher(std::move(spool_dir), std::move(dev_null)));
}

ProcessLauncher::~ProcessLauncher() {
  for (const auto& [pid, path] : scripts_) unlink(path.c_str());
  // The worker is stopping: no process of its tasks outlives it.
  for (auto& [pid, cg] : tasks_) cgroups_->release(std::move(cg));
}

Result<std::string> ProcessLauncher::write_script(const LaunchSpec& spec) {
  std::string path = spool_dir_ + "/task-" + std::to_string(spec.task.job) + "_" +
                     std::to_string(spec.task.index) + "-" + std::to_string(spec.attempt);
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                   kScriptMode));
  if (!fd.valid()) return errno_error("cannot write script snapshot " + path);
  std::string_view rest = spec.script;
  while (!rest.empty()) {
    ssize_t n = write(fd.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = errno_error("cannot write script snapshot " + path);
      unlink(path.c_str());
      return s;
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  // The umask must not take away our execute bit; a file being written must be
  // closed before any exec (else ETXTBSY).
  int raw = fd.release();
  bool written = fchmod(raw, kScriptMode) == 0;
  int error = errno;
  if (close(raw) != 0 && written) {
    written = false;
    error = errno;
  }
  if (!written) {
    unlink(path.c_str());
    return errno_error("cannot write script snapshot " + path, error);
  }
  return path;
}

Result<int> ProcessLauncher::launch(const LaunchSpec& spec) {
  if (spec.argv.empty() && spec.script.empty())
    return Status::error("cannot start task: no command");
  if (spec.cwd.empty()) return Status::error("cannot start task: no working directory");
  if (spec.run_as) return launch_as_user(spec);

  UniqueFd cwd(open(spec.cwd.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!cwd.valid()) return errno_error("cannot chdir to " + spec.cwd);
  if (Status s = keep_above_stdio(cwd); !s) return s;

  // A command is looked up before any output file is created or truncated.
  const bool is_script = !spec.script.empty();
  const bool shebang = spec.script.rfind("#!", 0) == 0;
  std::string exec_path;
  if (!is_script) {
    auto found = find_command(spec.argv[0], task_path(spec.env), cwd.get());
    if (!found) return found.status();
    exec_path = std::move(*found);
  }

  // Output files: stderr shares stdout's open file unless it has its own path.
  UniqueFd out_file;
  UniqueFd err_file;
  int out_fd = dev_null_.get();
  if (!spec.stdout_path.empty()) {
    auto opened = open_output(cwd.get(), spec.cwd, spec.stdout_path, spec.append);
    if (!opened) return opened.status();
    out_file = std::move(*opened);
    out_fd = out_file.get();
  }
  int err_fd = out_fd;
  if (!spec.stderr_path.empty() && spec.stderr_path != spec.stdout_path) {
    auto opened = open_output(cwd.get(), spec.cwd, spec.stderr_path, spec.append);
    if (!opened) return opened.status();
    err_file = std::move(*opened);
    err_fd = err_file.get();
  }

  // The command line: spec.argv as is, or a script snapshot run by its #! line
  // or by /bin/sh, with spec.argv as its arguments. Written last: nothing
  // after this returns early without removing it.
  std::string script_path;
  std::vector<char*> argv;
  argv.reserve(spec.argv.size() + 3);
  if (is_script) {
    auto written = write_script(spec);
    if (!written) return written.status();
    script_path = std::move(*written);
    exec_path = shebang ? script_path : kShell;
    if (!shebang) argv.push_back(mutable_cstr(kShell));
    argv.push_back(mutable_cstr(script_path));
  }
  argv = exec_vector(std::move(argv), spec.argv);
  std::vector<char*> envp = exec_vector({}, spec.env);

  ChildPlan plan;
  plan.path = exec_path.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.cwd_fd = cwd.get();
  plan.stdin_fd = dev_null_.get();
  plan.stdout_fd = out_fd;
  plan.stderr_fd = err_fd;
  return spawn(plan, spec, std::move(script_path));
}

Result<int> ProcessLauncher::launch_as_user(const LaunchSpec& spec) {
  auto user = lookup_task_user(*spec.run_as, spec.allow_root);
  if (!user) return user.status();
  const std::vector<std::string> env = task_user_env(spec.env, *user);

  // The command: the PATH search happens in the child, as the user, so root's
  // view of the file system never decides (or reveals) what the task may run.
  const bool is_script = !spec.script.empty();
  const bool shebang = spec.script.rfind("#!", 0) == 0;
  std::vector<std::string> candidates;
  std::vector<const char*> candidate_ptrs;
  std::string exec_path;
  if (!is_script) {
    const std::string& name = spec.argv[0];
    if (name.empty()) return Status::error("cannot run '': empty command name");
    if (name.find('/') != std::string::npos) {
      exec_path = name;
    } else {
      candidates = command_candidates(name, task_path(env));
      for (const std::string& c : candidates) candidate_ptrs.push_back(c.c_str());
      candidate_ptrs.push_back(nullptr);
    }
  }

  // The script snapshot stays in the worker's private spool, owned by the
  // task's user; the task reads it through the descriptor it inherits.
  std::string script_path;
  UniqueFd script;
  std::vector<char*> argv;
  argv.reserve(spec.argv.size() + 3);
  if (is_script) {
    auto written = write_script(spec);
    if (!written) return written.status();
    script_path = std::move(*written);
    script.reset(open(script_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    Status ready = script.valid() ? keep_above_stdio(script) : errno_error("cannot open script snapshot " + script_path);
    if (ready && fchown(script.get(), user->uid, user->gid) != 0)
      ready = errno_error("cannot give script snapshot " + script_path + " to user '" + user->name + "'");
    if (!ready) {
      unlink(script_path.c_str());
      return ready;
    }
    exec_path = shebang ? kScriptFd : kShell;
    if (!shebang) argv.push_back(mutable_cstr(kShell));
    argv.push_back(mutable_cstr(kScriptFd));
  }
  argv = exec_vector(std::move(argv), spec.argv);
  std::vector<char*> envp = exec_vector({}, env);

  ChildUser as;
  as.uid = user->uid;
  as.gid = user->gid;
  as.groups = user->groups.data();
  as.group_count = static_cast<int>(user->groups.size());
  as.cwd = spec.cwd.c_str();
  as.candidates = candidates.empty() ? nullptr : candidate_ptrs.data();
  as.open_flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (spec.append ? O_APPEND : O_TRUNC);
  as.open_mode = kOutputMode;
  if (!spec.stdout_path.empty()) as.stdout_path = spec.stdout_path.c_str();
  if (!spec.stderr_path.empty() && spec.stderr_path != spec.stdout_path) as.stderr_path = spec.stderr_path.c_str();
  else as.stderr_same = as.stdout_path != nullptr;
  as.script_fd = script.get();

  ChildPlan plan;
  plan.path = exec_path.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.stdin_fd = dev_null_.get();
  plan.stdout_fd = dev_null_.get();
  plan.stderr_fd = dev_null_.get();
  plan.as_user = &as;
  return spawn(plan, spec, std::move(script_path));
}

Result<int> ProcessLauncher::spawn(const ChildPlan& plan, const LaunchSpec& spec, std::string script_path) {
  std::optional<TaskCgroup> cg;
  int join[8];
  ChildPlan contained = plan;
  if (cgroups_) {
    auto taken = cgroups_->take(spec.limits);
    if (!taken) {
      if (!script_path.empty()) unlink(script_path.c_str());
      return Status::error("cannot start task: " + taken.error());
    }
    cg = std::move(*taken);
    for (const UniqueFd& fd : cg->join)
      if (fd.valid() && contained.join_count < static_cast<int>(std::size(join))) join[contained.join_count++] = fd.get();
    contained.join_fds = join;
  }
  SpawnOutcome outcome = spawn_child(contained);
  if (outcome.failed == ChildStep::none) {
    if (!script_path.empty()) scripts_[outcome.pid] = std::move(script_path);
    if (cg) {
      cg->join.clear();  // the child has joined; the descriptors are not needed any more
      tasks_.emplace(static_cast<int>(outcome.pid), std::move(*cg));
    }
    return static_cast<int>(outcome.pid);
  }
  if (!script_path.empty()) unlink(script_path.c_str());
  if (cg) cgroups_->release(std::move(*cg));
  return launch_error(spec, outcome);
}

void ProcessLauncher::contain(std::unique_ptr<CgroupTree> tree) { cgroups_ = std::move(tree); }

void ProcessLauncher::signal_group(int pid, int sig) {
  if (pid <= 0) return;  // kill(0) or kill(-1) would hit the worker or everything
  if (kill(-pid, sig) != 0 && errno != ESRCH)
    spdlog::warn("cannot send signal {} to process group {}: {}", sig, pid, std::strerror(errno));
  // SIGKILL ends the task: every process of its cgroup, in or out of the group.
  if (sig == SIGKILL)
    if (auto it = tasks_.find(pid); it != tasks_.end()) cgroups_->kill(it->second);
}

void ProcessLauncher::reaped(ProcessExit& exit) {
  if (auto it = tasks_.find(exit.pid); it != tasks_.end()) {
    // The task ends with its main process: what is left in its cgroup dies
    // now. Its usage is the whole tree's, from the kernel's counters.
    const CgroupUsage u = cgroups_->usage(it->second);
    if (u.valid) {
      exit.max_rss_kb = u.peak_kb;
      exit.cpu_ms = std::max(exit.cpu_ms, u.cpu_ms);
    }
    exit.out_of_memory = u.oom_killed;
    cgroups_->release(std::move(it->second));
    tasks_.erase(it);
    cgroups_->refill();
  }
  reaped(exit.pid);
}

void ProcessLauncher::reaped(int pid) {
  auto it = scripts_.find(pid);
  if (it == scripts_.end()) return;
  if (unlink(it->second.c_str()) != 0 && errno != ENOENT)
    spdlog::warn("cannot remove script snapshot {}: {}", it->second, std::strerror(errno));
  scripts_.erase(it);
}

}  // namespace baton
