// ProcessLauncher with real processes: output files, exit reports, working
// directory and environment, process groups, scripts, launch errors, and the
// task dying with its worker. Every wait is bounded; every pid is cleaned up.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
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
#include "exec_fixture.h"

using namespace baton;
using namespace baton::test::exec;
namespace fs = std::filesystem;

namespace {

// Live (non-zombie) members of process group `pgid`, from /proc.
std::vector<int> group_members(int pgid) {
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = read_file(entry.path() / "stat");
    std::size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;  // gone meanwhile
    std::istringstream fields(stat.substr(paren + 1));
    char state = 0;
    int ppid = 0;
    int pgrp = 0;
    fields >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z') pids.push_back(std::stoi(name));
  }
  return pids;
}

}  // namespace

TEST_SUITE("exec") {

TEST_CASE("stdout and stderr land in the output file when there is no stderr path") {
  Worker w;
  auto e = w.run(w.spec({"sh", "-c", "echo to-out; echo to-err >&2"}));
  CHECK(e.exit_code == 0);
  CHECK(w.output() == "to-out\nto-err\n");
}

TEST_CASE("stderr goes to its own file when it has a path") {
  Worker w;
  auto s = w.spec({"sh", "-c", "echo to-out; echo to-err >&2"});
  s.stderr_path = w.dir / "err";
  w.run(s);
  CHECK(w.output("out") == "to-out\n");
  CHECK(w.output("err") == "to-err\n");
  CHECK((fs::status(w.dir / "out").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
         fs::perms::others_read));
}

TEST_CASE("append keeps earlier output; otherwise the file is truncated") {
  Worker w;
  write_file(w.dir / "out", "earlier\n");
  auto s = w.spec({"echo", "again"});
  s.append = true;
  w.run(s);
  CHECK(w.output() == "earlier\nagain\n");
  s.append = false;
  w.run(s);
  CHECK(w.output() == "again\n");
}

TEST_CASE("exit codes and killing signals are reported") {
  Worker w;
  auto three = w.run(w.spec({"sh", "-c", "exit 3"}));
  CHECK(three.exit_code == 3);
  CHECK(three.signal == 0);
  auto killed = w.run(w.spec({"sh", "-c", "kill -9 $$"}));
  CHECK(killed.signal == SIGKILL);
}

TEST_CASE("the task runs in the given directory with exactly the given environment") {
  Worker w;
  setenv("BATON_EXEC_TEST_LEAK", "1", 1);
  fs::create_directory(w.dir / "sub");
  auto s = w.spec({"env"});
  s.env = {"A=1", "PATH=/usr/bin:/bin", "B=two words"};
  s.cwd = (w.dir / "sub").string();
  w.run(s);
  CHECK(read_file(w.dir / "sub" / "out") == "A=1\nPATH=/usr/bin:/bin\nB=two words\n");
  s.argv = {"pwd"};
  w.run(s);
  CHECK(read_file(w.dir / "sub" / "out") == (w.dir / "sub").string() + "\n");
  unsetenv("BATON_EXEC_TEST_LEAK");
}

TEST_CASE("commands are found through the task's PATH, or the default one") {
  Worker w;
  fs::create_directory(w.dir / "bin");
  write_file(w.dir / "bin" / "hello", "#!/bin/sh\necho hello from bin\n");
  fs::permissions(w.dir / "bin" / "hello", fs::perms::owner_all);
  auto s = w.spec({"hello"});
  s.env = {"PATH=/nonexistent:" + (w.dir / "bin").string()};
  CHECK(w.run(s).exit_code == 0);
  CHECK(w.output() == "hello from bin\n");
  s.argv = {"echo", "default"};
  s.env = {};
  CHECK(w.run(s).exit_code == 0);
  CHECK(w.output() == "default\n");
}

TEST_CASE("the task leads its own session and process group") {
  Worker w;
  int pid = w.start(w.spec({"sleep", "100"}));
  CHECK(getpgid(pid) == pid);
  CHECK(getsid(pid) == pid);
  w.launcher->signal_group(pid, SIGKILL);
  CHECK(w.finish(pid).signal == SIGKILL);
}

TEST_CASE("signal_group ends the whole process tree of a task") {
  Subreaper subreaper;
  Worker w;
  // The task reports through a FIFO once both background sleeps exist.
  REQUIRE(mkfifo((w.dir / "ready").c_str(), 0600) == 0);
  int ready = open((w.dir / "ready").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(ready >= 0);
  auto s = w.spec({"sh", "-c", "sleep 100 & sleep 100 & echo ready; wait"});
  s.stdout_path = "ready";
  int pid = w.start(s);
  pollfd p{ready, POLLIN, 0};
  REQUIRE(poll(&p, 1, kTimeoutMs) == 1);
  std::vector<int> members = group_members(pid);
  CHECK(members.size() == 3);
  std::vector<int> pidfds;
  for (int member : members) pidfds.push_back(pidfd_open(member));

  w.launcher->signal_group(pid, SIGKILL);
  CHECK(w.finish(pid).signal == SIGKILL);
  for (std::size_t i = 0; i < members.size(); ++i) {
    CHECK(exits_within(pidfds[i], kTimeoutMs));
    close(pidfds[i]);
    if (members[i] != pid) waitpid(members[i], nullptr, WNOHANG);  // orphans are ours now
  }
  CHECK(group_members(pid).empty());
  w.launcher->signal_group(pid, SIGKILL);  // a group already gone is fine
  close(ready);
}

TEST_CASE("a script without #! runs under /bin/sh with its arguments, then is removed") {
  Worker w;
  auto s = w.spec({"first arg", "second"});
  s.script = "echo \"$# [$1] [$2]\"\nls -l \"$0\" | cut -c1-10\n";
  int pid = w.start(s);
  fs::path spool = w.dir / "spool";
  CHECK((fs::status(spool).permissions() & fs::perms::all) == fs::perms::owner_all);
  CHECK(w.finish(pid).exit_code == 0);
  CHECK(w.output() == "2 [first arg] [second]\n-rwx------\n");
  CHECK(fs::is_empty(spool));
}

TEST_CASE("a script with #! is executed directly by its interpreter") {
  Worker w;
  auto s = w.spec({});
  s.script = "#!/bin/cat\nthis text is printed by cat\n";
  CHECK(w.run(s).exit_code == 0);
  CHECK(w.output() == s.script);
  s.script = "#!/bin/sh\necho \"args: $*\"\n";
  s.argv = {"a", "b"};
  CHECK(w.run(s).exit_code == 0);
  CHECK(w.output() == "args: a b\n");
  CHECK(fs::is_empty(w.dir / "spool"));
}

TEST_CASE("launch errors name their cause and leave no child or script behind") {
  Worker w;
  write_file(w.dir / "out", "earlier output\n");
  auto missing = w.launcher->launch(w.spec({"nosuchcmd-baton"}));
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == "cannot run 'nosuchcmd-baton': No such file or directory");
  CHECK(w.output() == "earlier output\n");  // not truncated by a launch that never ran

  auto missing_path = w.launcher->launch(w.spec({"./nosuchcmd-baton"}));
  REQUIRE_FALSE(missing_path);
  CHECK(missing_path.error() == "cannot run './nosuchcmd-baton': No such file or directory");

  auto s = w.spec({"true"});
  s.cwd = "/nonexistent-baton-dir";
  auto bad_cwd = w.launcher->launch(s);
  REQUIRE_FALSE(bad_cwd);
  CHECK(bad_cwd.error() == "cannot chdir to /nonexistent-baton-dir: No such file or directory");

  s = w.spec({"true"});
  s.stdout_path = "no/such/dir/out";
  auto bad_out = w.launcher->launch(s);
  REQUIRE_FALSE(bad_out);
  CHECK(bad_out.error() == "cannot open output file " + (w.dir / "no/such/dir/out").string() +
                               ": No such file or directory");

  s = w.spec({"true"});
  s.stderr_path = "/nonexistent-baton-dir/err";
  auto bad_err = w.launcher->launch(s);
  REQUIRE_FALSE(bad_err);
  CHECK(bad_err.error() ==
        "cannot open output file /nonexistent-baton-dir/err: No such file or directory");

  s = w.spec({});
  s.script = "#!/nonexistent/interpreter\necho hi\n";
  auto bad_interp = w.launcher->launch(s);
  REQUIRE_FALSE(bad_interp);
  CHECK(bad_interp.error() ==
        "cannot run script (#!/nonexistent/interpreter): No such file or directory");

  CHECK_FALSE(w.launcher->launch(w.spec({})));
  CHECK(fs::is_empty(w.dir / "spool"));
  CHECK(w.reaper->reap().empty());
  CHECK(waitpid(-1, nullptr, WNOHANG) == -1);  // no children at all
  CHECK(errno == ECHILD);
}

TEST_CASE("the worker's descriptors, signal mask and ignored signals do not reach the task") {
  Worker w;
  int leaked = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  REQUIRE(leaked >= 0);
  REQUIRE(dup2(leaked, 100) == 100);
  close(leaked);
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_pipe = {};
  sigaction(SIGPIPE, &ignore, &old_pipe);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &term, &old_mask);

  w.run(w.spec({"ls", "/proc/self/fd"}));
  std::string fds = w.output();
  w.run(w.spec({"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}));
  std::string sigs = w.output();

  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);
  close(100);
  // 0, 1, 2 and the directory ls is reading; not 100.
  CHECK(fds == "0\n1\n2\n3\n");
  CHECK(sigs == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST_CASE("a task dies with its worker, even when the worker is SIGKILLed") {
  char tmpl[] = "/tmp/baton-exec-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  LaunchSpec s;
  s.argv = {"sleep", "100"};
  s.cwd = tmpl;
  CHECK(task_dies_with_its_worker(s, std::string(tmpl) + "/spool"));
  fs::remove_all(tmpl);
}

}  // TEST_SUITE
