// Shared by the exec/ tests that run real processes: a temp dir, a reaper and
// a launcher that clean up after themselves, and bounded waits.
#pragma once

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "exec/process_launcher.h"
#include "exec/reaper.h"

namespace baton::test::exec {

namespace fs = std::filesystem;

inline constexpr int kTimeoutMs = 5000;

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_file(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

inline int pidfd_open(int pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

// True once the process behind `pidfd` has exited (zombie or gone), within `ms`.
inline bool exits_within(int pidfd, int ms) {
  pollfd p{pidfd, POLLIN, 0};
  return poll(&p, 1, ms) == 1;
}

// While it lives, orphaned descendants are re-parented to this test process
// instead of init, so the test can reap them (init in a container may not).
struct Subreaper {
  Subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1); }
  ~Subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 0); }
};

// A temp dir, a reaper and a launcher; remembers what it started and kills
// whatever is still running at the end.
class Worker {
 public:
  Worker() {
    char tmpl[] = "/tmp/baton-exec-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = fs::canonical(tmpl);
    auto r = ChildReaper::create();
    REQUIRE_MESSAGE(r, r.error());
    reaper = std::move(*r);
    auto l = ProcessLauncher::create((dir / "spool").string());
    REQUIRE_MESSAGE(l, l.error());
    launcher = std::move(*l);
  }
  ~Worker() {
    for (int pid : started) {
      if (exits.count(pid)) continue;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);  // bounded: it was just SIGKILLed
    }
    launcher.reset();
    reaper.reset();
    fs::remove_all(dir);
  }

  LaunchSpec spec(std::vector<std::string> argv) const {
    LaunchSpec s;
    s.task = TaskId{42, 7};
    s.attempt = 1;
    s.argv = std::move(argv);
    s.env = {"PATH=/usr/bin:/bin"};
    s.cwd = dir.string();
    s.stdout_path = "out";
    return s;
  }

  int start(const LaunchSpec& s) {
    auto pid = launcher->launch(s);
    REQUIRE_MESSAGE(pid, pid.error());
    started.push_back(*pid);
    return *pid;
  }

  // Waits (bounded) until the reaper reports `pid`, then tells the launcher.
  ProcessExit finish(int pid) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
    while (!exits.count(pid)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      REQUIRE_MESSAGE(left.count() > 0, "pid ", pid, " did not exit in time");
      pollfd p{reaper->fd(), POLLIN, 0};
      poll(&p, 1, static_cast<int>(left.count()));
      for (const ProcessExit& e : reaper->reap()) exits[e.pid] = e;
    }
    launcher->reaped(pid);
    return exits[pid];
  }

  ProcessExit run(const LaunchSpec& s) { return finish(start(s)); }

  std::string output(const std::string& name = "out") const { return read_file(dir / name); }

  fs::path dir;
  std::unique_ptr<ChildReaper> reaper;
  std::unique_ptr<ProcessLauncher> launcher;
  std::vector<int> started;
  std::map<int, ProcessExit> exits;
};

// Launches `s` from a forked stand-in for the worker, SIGKILLs that process,
// and says whether the task died with it within kTimeoutMs. The task is
// killed and reaped either way.
inline bool task_dies_with_its_worker(const LaunchSpec& s, const std::string& spool) {
  Subreaper subreaper;
  int report[2];
  REQUIRE(pipe2(report, O_CLOEXEC) == 0);
  pid_t worker = fork();
  REQUIRE(worker >= 0);
  if (worker == 0) {
    // The "worker": launch a long task, say its pid, then wait to be killed.
    int pid = -1;
    if (auto launcher = ProcessLauncher::create(spool)) {
      if (auto launched = (*launcher)->launch(s)) pid = *launched;
    }
    (void)!write(report[1], &pid, sizeof pid);
    for (;;) pause();
  }
  close(report[1]);
  int task = -1;
  pollfd p{report[0], POLLIN, 0};
  if (poll(&p, 1, kTimeoutMs) == 1) (void)!read(report[0], &task, sizeof task);
  close(report[0]);
  int task_fd = task > 0 ? pidfd_open(task) : -1;

  kill(worker, SIGKILL);
  waitpid(worker, nullptr, 0);
  REQUIRE(task > 0);
  REQUIRE(task_fd >= 0);
  const bool died = exits_within(task_fd, kTimeoutMs);
  close(task_fd);
  kill(task, SIGKILL);        // in case it survived
  waitpid(task, nullptr, 0);  // the orphan is ours (subreaper); bounded: it is dead
  return died;
}

}  // namespace baton::test::exec
