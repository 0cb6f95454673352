// ChildReaper and SignalSet: exits and signals arrive on pollable fds, and
// coalesced SIGCHLDs never lose an exit. Every wait is bounded.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "exec/process_launcher.h"
#include "exec/reaper.h"
#include "exec/signal_set.h"

using namespace baton;
namespace fs = std::filesystem;

namespace {

constexpr int kTimeoutMs = 5000;

// Reaps until every pid in `pids` has been reported or 5 s pass.
std::map<int, ProcessExit> reap_all(ChildReaper& reaper, const std::set<int>& pids) {
  std::map<int, ProcessExit> exits;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  while (exits.size() < pids.size()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{reaper.fd(), POLLIN, 0};
    poll(&p, 1, static_cast<int>(left.count()));
    for (const ProcessExit& e : reaper.reap()) exits[e.pid] = e;
  }
  return exits;
}

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/baton-reaper-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

void kill_unreaped(const std::set<int>& pids, const std::map<int, ProcessExit>& exits) {
  for (int pid : pids) {
    if (exits.count(pid)) continue;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
}

}  // namespace

TEST_SUITE("exec") {

TEST_CASE("the reaper reports every one of 20 children that exit at the same moment") {
  TempDir tmp;
  auto reaper = ChildReaper::create();
  REQUIRE_MESSAGE(reaper, reaper.error());
  auto launcher = ProcessLauncher::create((tmp.path / "spool").string());
  REQUIRE_MESSAGE(launcher, launcher.error());

  // All children block reading one byte from a FIFO we hold open; one write of
  // 20 bytes releases them together, so their SIGCHLDs coalesce.
  fs::path gate = tmp.path / "gate";
  REQUIRE(mkfifo(gate.c_str(), 0600) == 0);
  int gate_fd = open(gate.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(gate_fd >= 0);
  std::set<int> pids;
  for (int i = 0; i < 20; ++i) {
    LaunchSpec s;
    s.task = TaskId{1, static_cast<TaskIndex>(i)};
    s.argv = {"dd", "if=" + gate.string(), "bs=1", "count=1", "status=none"};
    s.cwd = tmp.path.string();
    auto pid = (*launcher)->launch(s);
    REQUIRE_MESSAGE(pid, pid.error());
    pids.insert(*pid);
  }
  REQUIRE(write(gate_fd, "xxxxxxxxxxxxxxxxxxxx", 20) == 20);

  auto exits = reap_all(**reaper, pids);
  kill_unreaped(pids, exits);
  close(gate_fd);
  CHECK(exits.size() == 20);
  for (const auto& [pid, e] : exits) {
    CAPTURE(pid);
    CHECK(pids.count(pid) == 1);
    CHECK(e.exit_code == 0);
    CHECK(e.signal == 0);
  }
}

TEST_CASE("an exit reports memory high-water mark and CPU time") {
  TempDir tmp;
  auto reaper = ChildReaper::create();
  REQUIRE(reaper);
  auto launcher = ProcessLauncher::create((tmp.path / "spool").string());
  REQUIRE(launcher);
  LaunchSpec s;
  s.argv = {"sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; exit 5"};
  s.cwd = tmp.path.string();
  auto pid = (*launcher)->launch(s);
  REQUIRE(pid);
  auto exits = reap_all(**reaper, {*pid});
  kill_unreaped({*pid}, exits);
  REQUIRE(exits.count(*pid) == 1);
  CHECK(exits[*pid].exit_code == 5);
  CHECK(exits[*pid].max_rss_kb > 0);
  CHECK(exits[*pid].cpu_ms > 0);
}

TEST_CASE("reaping with no exited child returns nothing and does not block") {
  auto reaper = ChildReaper::create();
  REQUIRE(reaper);
  CHECK((*reaper)->reap().empty());
  pollfd p{(*reaper)->fd(), POLLIN, 0};
  CHECK(poll(&p, 1, 0) == 0);
}

TEST_CASE("a shutdown signal arrives on the signal set's fd, once") {
  auto set = SignalSet::create(SignalSet::shutdown_signals());
  REQUIRE_MESSAGE(set, set.error());
  CHECK_FALSE((*set)->take());
  raise(SIGTERM);
  pollfd p{(*set)->fd(), POLLIN, 0};
  REQUIRE(poll(&p, 1, kTimeoutMs) == 1);
  CHECK((*set)->take() == SIGTERM);
  CHECK_FALSE((*set)->take());
  raise(SIGHUP);
  CHECK((*set)->take() == SIGHUP);
}

TEST_CASE("SIGCHLD cannot be put in a signal set") {
  auto set = SignalSet::create({SIGTERM, SIGCHLD});
  REQUIRE_FALSE(set);
  CHECK(set.error() == "SIGCHLD belongs to ChildReaper, not SignalSet");
}

}  // TEST_SUITE
