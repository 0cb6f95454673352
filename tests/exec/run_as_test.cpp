// ProcessLauncher running tasks as another user (worker.run_as_submitter):
// the task's ids, groups and environment, output files owned by the user and
// opened with the user's rights, the root and unknown-user refusals, and the
// task still dying with its worker. Needs root and useradd for a throwaway
// user; without them those cases say so and pass.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "exec_fixture.h"

using namespace baton;
using namespace baton::test::exec;

namespace {

// A system user made for this test binary and deleted when it exits.
struct ThrowawayUser {
  ThrowawayUser() {
    if (geteuid() != 0) {
      why_not = "not running as root";
      return;
    }
    if (std::system("command -v useradd >/dev/null 2>&1 && command -v userdel >/dev/null 2>&1") != 0) {
      why_not = "useradd/userdel not found";
      return;
    }
    name = "batontest" + std::to_string(getpid());
    if (std::system(("useradd --system --no-create-home " + name + " >/dev/null 2>&1").c_str()) != 0) {
      why_not = "useradd " + name + " failed";
      return;
    }
    created = true;
    const passwd* pw = getpwnam(name.c_str());
    if (!pw) {
      why_not = "getpwnam " + name + " failed after useradd";
      return;
    }
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    home = pw->pw_dir;
    shell = pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";  // as login(1) would
  }
  ~ThrowawayUser() {
    if (created) (void)!std::system(("userdel " + name + " >/dev/null 2>&1").c_str());
  }
  ThrowawayUser(const ThrowawayUser&) = delete;
  ThrowawayUser& operator=(const ThrowawayUser&) = delete;

  bool usable() const { return created && why_not.empty(); }

  std::string name, home, shell, why_not;
  uid_t uid = 0;
  gid_t gid = 0;
  bool created = false;
};

// One user for the whole binary: useradd is slow, and a crash leaves at most one.
const ThrowawayUser* throwaway_user() {
  static ThrowawayUser user;
  if (user.usable()) return &user;
  MESSAGE("skipped: " << user.why_not);
  return nullptr;
}

// A Worker whose directory the user can pass through, with `u/` owned by
// the user as the task's working directory. The spool stays root's, 0700.
struct RunAsWorker : Worker {
  explicit RunAsWorker(const ThrowawayUser& user) : user(user) {
    REQUIRE(chmod(dir.c_str(), 0711) == 0);
    fs::create_directory(dir / "u");
    REQUIRE(chown((dir / "u").c_str(), user.uid, user.gid) == 0);
  }
  LaunchSpec as_user(std::vector<std::string> argv) const {
    LaunchSpec s = spec(std::move(argv));
    s.cwd = (dir / "u").string();
    s.run_as = user.name;
    return s;
  }
  std::string user_output(const std::string& name = "out") const { return read_file(dir / "u" / name); }

  const ThrowawayUser& user;
};

struct stat stat_of(const fs::path& path) {
  struct stat st{};
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st;
}

}  // namespace

TEST_SUITE("exec.run_as") {

TEST_CASE("an unknown or missing user is refused with an error naming it, before anything runs") {
  Worker w;
  auto s = w.spec({"true"});
  s.run_as = "nosuchuser-baton";
  auto unknown = w.launcher->launch(s);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() == "cannot run the task as user 'nosuchuser-baton': no such user on this worker");
  s.run_as = "";
  auto nameless = w.launcher->launch(s);
  REQUIRE_FALSE(nameless);
  CHECK(nameless.error() == "cannot run the task as its submitter: the job names no user");
  CHECK_FALSE(fs::exists(w.dir / "out"));
  CHECK(w.reaper->reap().empty());
}

TEST_CASE("a job of root is refused unless root jobs are allowed") {
  Worker w;
  auto s = w.spec({"id", "-u"});
  s.run_as = "root";
  auto refused = w.launcher->launch(s);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().find("refusing to run the task as root") == 0);
  CHECK(refused.error().find("worker.allow_root_jobs") != std::string::npos);
  CHECK_FALSE(fs::exists(w.dir / "out"));
  if (geteuid() != 0) {
    MESSAGE("skipped running a root job: not running as root");
    return;
  }
  s.allow_root = true;
  CHECK(w.run(s).exit_code == 0);
  CHECK(w.output() == "0\n");
}

TEST_CASE("a task runs with its user's ids, groups and passwd environment, and cannot become root again") {
  const ThrowawayUser* user = throwaway_user();
  if (!user) return;
  RunAsWorker w(*user);
  auto s = w.as_user({"sh", "-c",
                      "id -u; id -g; id -G; grep -E '^(Uid|Gid):' /proc/self/status; "
                      "echo \"$HOME $USER $LOGNAME $SHELL\"; pwd; echo \"A=$A\""});
  s.env = {"PATH=/usr/bin:/bin", "HOME=/root", "USER=root", "LOGNAME=root", "SHELL=/bin/evil", "A=kept"};
  CHECK(w.run(s).exit_code == 0);
  const std::string u = std::to_string(user->uid), g = std::to_string(user->gid);
  CHECK(w.user_output() == u + "\n" + g + "\n" + g + "\n" +                                   //
                               "Uid:\t" + u + "\t" + u + "\t" + u + "\t" + u + "\n" +       //
                               "Gid:\t" + g + "\t" + g + "\t" + g + "\t" + g + "\n" +       //
                               user->home + " " + user->name + " " + user->name + " " + user->shell + "\n" +
                               (w.dir / "u").string() + "\n" + "A=kept\n");
}

TEST_CASE("a task's output files are created by its user and owned by it") {
  const ThrowawayUser* user = throwaway_user();
  if (!user) return;
  RunAsWorker w(*user);
  auto s = w.as_user({"sh", "-c", "echo to-out; echo to-err >&2"});
  s.stderr_path = "err";
  CHECK(w.run(s).exit_code == 0);
  CHECK(w.user_output("out") == "to-out\n");
  CHECK(w.user_output("err") == "to-err\n");
  for (const char* name : {"out", "err"}) {
    struct stat st = stat_of(w.dir / "u" / name);
    CHECK(st.st_uid == user->uid);
    CHECK(st.st_gid == user->gid);
  }
  // Append mode writes to the user's existing file, not a new root one.
  s.append = true;
  s.stderr_path.clear();
  CHECK(w.run(s).exit_code == 0);
  CHECK(w.user_output("out") == "to-out\nto-out\nto-err\n");
}

TEST_CASE("an output path that is a symlink to a file only root may write is not followed as root") {
  const ThrowawayUser* user = throwaway_user();
  if (!user) return;
  RunAsWorker w(*user);
  write_file(w.dir / "precious", "root's data\n");
  REQUIRE(chmod((w.dir / "precious").c_str(), 0644) == 0);
  fs::create_symlink(w.dir / "precious", w.dir / "u" / "out");
  fs::create_symlink(w.dir / "precious", w.dir / "u" / "err");
  auto s = w.as_user({"echo", "overwritten"});
  auto out = w.launcher->launch(s);
  REQUIRE_FALSE(out);
  CHECK(out.error() == "cannot open output file " + (w.dir / "u" / "out").string() + ": Permission denied");
  s.stdout_path = "/dev/null";
  s.stderr_path = "err";
  auto err = w.launcher->launch(s);
  REQUIRE_FALSE(err);
  CHECK(err.error() == "cannot open output file " + (w.dir / "u" / "err").string() + ": Permission denied");
  CHECK(read_file(w.dir / "precious") == "root's data\n");
  CHECK(stat_of(w.dir / "precious").st_uid == 0);
  CHECK(w.reaper->reap().empty());
}

TEST_CASE("a working directory the user cannot enter fails the launch") {
  const ThrowawayUser* user = throwaway_user();
  if (!user) return;
  RunAsWorker w(*user);
  fs::create_directories(w.dir / "private" / "open");
  REQUIRE(chmod((w.dir / "private").c_str(), 0700) == 0);  // root could enter private/open
  auto s = w.as_user({"true"});
  s.cwd = (w.dir / "private" / "open").string();
  s.stdout_path = "/dev/null";
  auto launched = w.launcher->launch(s);
  REQUIRE_FALSE(launched);
  CHECK(launched.error() == "cannot chdir to " + s.cwd + ": Permission denied");
}

TEST_CASE("the command is looked up along PATH with the user's rights, before output is touched") {
  const ThrowawayUser* user = throwaway_user();
  if (!user) return;
  RunAsWorker w(*user);
  fs::create_directory(w.dir / "rootbin");  // 0755 by umask, but inside:
  write_file(w.dir / "rootbin" / "hello", "#!/bin/sh\necho hello\n");
  fs::permissions(w.dir / "rootbin" / "hello", fs::perms::owner_all);  // only root may run it
  write_file(w.dir / "u" / "out", "earlier output\n");
  REQUIRE(chown((w.dir / "u" / "out").c_str(), user->uid, user->gid) == 0);
  auto s = w.as_user({"hello"});
  s.env = {"PATH=" + (w.dir / "rootbin").string() + ":/usr/bin:/bin"};
  auto hidden = w.launcher->launch(s);
  REQUIRE_FALSE(hidden);
  CHECK(hidden.error() == "cannot run 'hello': Permission denied");
  CHECK(w.user_output() == "earlier output\n");
  fs::permissions(w.dir / "rootbin" / "hello", fs::perms::all);
  CHECK(w.run(s).exit_code == 0);
  CHECK(w.user_output() == "hello\n");
}

TEST_CASE("a script runs as the user from descriptor 3, and its snapshot is removed") {
  const ThrowawayUser* user = throwaway_user();
  if (!user) return;
  RunAsWorker w(*user);
  auto s = w.as_user({"arg"});
  s.script = "id -u\necho \"$0 $1\"\n";
  CHECK(w.run(s).exit_code == 0);
  CHECK(w.user_output() == std::to_string(user->uid) + "\n/proc/self/fd/3 arg\n");
  s.script = "#!/bin/sh\nid -u\n";
  CHECK(w.run(s).exit_code == 0);
  CHECK(w.user_output() == std::to_string(user->uid) + "\n");
  CHECK((fs::status(w.dir / "spool").permissions() & fs::perms::all) == fs::perms::owner_all);
  CHECK(fs::is_empty(w.dir / "spool"));
}

TEST_CASE("a task run as its user still dies with its worker") {
  const ThrowawayUser* user = throwaway_user();
  if (!user) return;
  // The credential change clears the death signal; it must be armed after it.
  char tmpl[] = "/tmp/baton-exec-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  LaunchSpec s;
  s.argv = {"sleep", "100"};
  s.cwd = "/";
  s.run_as = user->name;
  CHECK(task_dies_with_its_worker(s, std::string(tmpl) + "/spool"));
  fs::remove_all(tmpl);
}

}  // TEST_SUITE
