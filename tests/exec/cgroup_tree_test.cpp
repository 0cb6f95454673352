// The cgroup seam against a fake cgroupfs (plain temp directories): which
// hierarchy a host's mounts give, the limit files a task's cgroup gets on v1
// and v2, the usage read back, the sweep of a previous worker's leftovers,
// and killing every process listed in a cgroup.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "exec/cgroup_setup.h"
#include "exec/cgroup_tree.h"

using namespace baton;
namespace fs = std::filesystem;

namespace {

struct FakeCgroupFs {
  FakeCgroupFs() {
    char tmpl[] = "/tmp/baton-cgfs-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    root = tmpl;
  }
  ~FakeCgroupFs() { fs::remove_all(root); }
  std::string dir(const std::string& name) const {
    fs::create_directories(root / name);
    return (root / name).string();
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
  static void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
  fs::path root;
};

// The hybrid layout of hosts with v1 controllers and an empty cgroup2 mount.
const char* kHybridMounts =
    "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
    "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
    "cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0\n"
    "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
    "cgroup /sys/fs/cgroup/freezer cgroup rw,relatime,freezer 0 0\n"
    "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";
const char* kHybridOwn = "6:freezer:/\n4:memory:/sessions/abc\n2:cpuacct:/\n1:cpu:/\n0::/\n";

}  // namespace

TEST_CASE("a host with v1 memory and an empty cgroup2 mount gets v1 task cgroups under the worker's own cgroup") {
  const CgroupMounts m = parse_cgroup_mounts(kHybridMounts);
  CHECK(m.v1.at("memory") == "/sys/fs/cgroup/memory");
  CHECK(m.v2 == "/sys/fs/cgroup/unified");
  CgroupSettings s;
  s.worker_name = "node1";
  auto l = plan_cgroups(s, m, parse_own_cgroups(kHybridOwn));
  REQUIRE(l);
  CHECK(l->version == 1);
  CHECK(l->memory == "/sys/fs/cgroup/memory/sessions/abc/baton-node1");
  CHECK(l->freezer == "/sys/fs/cgroup/freezer/baton-node1");
  CHECK(l->cpuacct == "/sys/fs/cgroup/cpuacct/baton-node1");
  s.mode = "/baton/n1";
  l = plan_cgroups(s, m, parse_own_cgroups(kHybridOwn));
  REQUIRE(l);
  CHECK(l->memory == "/sys/fs/cgroup/memory/baton/n1");
}

TEST_CASE("a unified v2 host gets task cgroups in the worker's own (delegated) cgroup; none without memory") {
  const CgroupMounts m = parse_cgroup_mounts("cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n");
  CgroupSettings s;
  auto l = plan_cgroups(s, m, parse_own_cgroups("0::/system.slice/baton-worker.service\n"));
  REQUIRE(l);
  CHECK(l->version == 2);
  CHECK(l->memory == "/sys/fs/cgroup/system.slice/baton-worker.service");
  CHECK_FALSE(plan_cgroups(s, parse_cgroup_mounts("proc /proc proc rw 0 0\n"), {}));
  s.mode = "baton";
  auto bad = plan_cgroups(s, m, {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("absolute cgroup path") != std::string::npos);
}

TEST_CASE("v2: --mem becomes memory.max with no swap, -c a cpu weight or a quota") {
  FakeCgroupFs f;
  CgroupLayout l;
  l.version = 2;
  l.memory = f.dir("tasks");
  CgroupTree tree(l, 0);
  auto cg = tree.take(TaskLimits{512, 2});
  REQUIRE(cg);
  const std::string path = cg->paths.at(0);
  CHECK(f.read(path + "/memory.max") == "536870912");
  CHECK(f.read(path + "/cpu.weight") == "200");
  CHECK(cg->join.size() == 1);
  tree.release(std::move(*cg));
  CHECK_FALSE(fs::exists(path));

  l.cpu_limit = CpuLimit::quota;
  l.enforce_mem = false;
  CgroupTree quota(l, 0);
  cg = quota.take(TaskLimits{512, 3});
  REQUIRE(cg);
  CHECK(f.read(cg->paths[0] + "/cpu.max") == "300000 100000");
  CHECK_FALSE(fs::exists(cg->paths[0] + "/memory.max"));
  quota.release(std::move(*cg));
}

TEST_CASE("v1: the memory hierarchy gets limit_in_bytes, cpu gets shares, and no --mem means no limit") {
  FakeCgroupFs f;
  CgroupLayout l;
  l.version = 1;
  l.memory = f.dir("memory/b");
  l.freezer = f.dir("freezer/b");
  l.cpuacct = f.dir("cpuacct/b");
  l.cpu = f.dir("cpu/b");
  CgroupTree tree(l, 2);
  tree.refill();  // two made ahead: a take only writes the limits
  REQUIRE(tree.dirs().size() == 4);
  auto cg = tree.take(TaskLimits{100, 4});
  REQUIRE(cg);
  CHECK(cg->join.size() == 4);
  CHECK(f.read(cg->paths[0] + "/memory.limit_in_bytes") == "104857600");
  CHECK_FALSE(fs::exists(cg->paths[0] + "/memory.memsw.limit_in_bytes"));
  CHECK(f.read(cg->paths[3] + "/cpu.shares") == "4096");
  tree.release(std::move(*cg));
  // One cpu: the default weight of a new cgroup, so no cgroup in the cpu hierarchy.
  auto one = tree.take(TaskLimits{100, 1});
  REQUIRE(one);
  CHECK(one->join[0].valid());
  CHECK(one->paths[3].empty());
  CHECK_FALSE(one->join[3].valid());
  tree.release(std::move(*one));

  // No --mem: no memory limit at all.
  auto c2 = tree.take(TaskLimits{0, 1});
  REQUIRE(c2);
  CHECK_FALSE(fs::exists(c2->paths[0] + "/memory.limit_in_bytes"));
  tree.release(std::move(*c2));
}

TEST_CASE("usage is the cgroup's peak memory, its cpu time and whether the OOM killer struck (v2 and v1)") {
  FakeCgroupFs f;
  CgroupLayout v2;
  v2.version = 2;
  v2.memory = f.dir("v2");
  CgroupTree t2(v2, 0);
  auto a = t2.take({});
  REQUIRE(a);
  f.write(a->paths[0] + "/memory.peak", "209715200\n");
  f.write(a->paths[0] + "/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n");
  f.write(a->paths[0] + "/cpu.stat", "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n");
  CgroupUsage u = t2.usage(*a);
  CHECK(u.valid);
  CHECK(u.peak_kb == 204800);
  CHECK(u.cpu_ms == 2500);
  CHECK(u.oom_killed);
  t2.release(std::move(*a));

  CgroupLayout v1;
  v1.version = 1;
  v1.memory = f.dir("memory");
  v1.cpuacct = f.dir("cpuacct");
  CgroupTree t1(v1, 0);
  auto b = t1.take({});
  REQUIRE(b);
  f.write(b->paths[0] + "/memory.max_usage_in_bytes", "1048576\n");
  f.write(b->paths[0] + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  f.write(b->paths[1] + "/cpuacct.usage", "7000000\n");
  u = t1.usage(*b);
  CHECK(u.peak_kb == 1024);
  CHECK(u.cpu_ms == 7);
  CHECK_FALSE(u.oom_killed);
  t1.release(std::move(*b));
}

TEST_CASE("a starting worker sweeps task cgroups a previous worker left, in every hierarchy") {
  FakeCgroupFs f;
  CgroupLayout l;
  l.version = 1;
  l.memory = f.dir("memory/b");
  l.freezer = f.dir("freezer/b");
  f.dir("memory/b/t4242.7");
  f.dir("freezer/b/t4242.7");
  f.dir("memory/b/t4242.8");  // an empty one of its pool
  f.dir("memory/b/unrelated");
  const pid_t orphan = fork();
  REQUIRE(orphan >= 0);
  if (orphan == 0) {
    setsid();
    for (;;) pause();
  }
  f.write((f.root / "memory/b/t4242.7/cgroup.procs").string(), std::to_string(orphan) + "\n");
  CgroupTree tree(l, 0);
  CHECK(tree.sweep() == 1);  // one still had a process
  int status = 0;
  REQUIRE(waitpid(orphan, &status, 0) == orphan);
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK_FALSE(fs::exists(f.root / "memory/b/t4242.7"));
  CHECK_FALSE(fs::exists(f.root / "freezer/b/t4242.7"));
  CHECK_FALSE(fs::exists(f.root / "memory/b/t4242.8"));
  CHECK(fs::exists(f.root / "memory/b/unrelated"));
}

TEST_CASE("the sweep leaves the task cgroups of another live worker sharing the directory") {
  // Two workers of one name (two brokers) on a host share baton-<name>; on
  // v2 every worker of one delegated cgroup shares <own>/tasks. Each one's
  // cgroups carry its pid: a live process of this program owns them.
  FakeCgroupFs f;
  CgroupLayout l;
  l.version = 1;
  l.memory = f.dir("memory/b");
  const pid_t other = fork();  // the other worker: the same program, alive
  REQUIRE(other >= 0);
  if (other == 0) {
    for (;;) pause();
  }
  const pid_t task = fork();  // one of its running tasks
  REQUIRE(task >= 0);
  if (task == 0) {
    setsid();
    for (;;) pause();
  }
  const std::string mine = "t" + std::to_string(other) + ".3";
  f.dir("memory/b/" + mine);
  f.write((f.root / "memory/b" / mine / "cgroup.procs").string(), std::to_string(task) + "\n");
  f.dir("memory/b/t" + std::to_string(other) + ".4");  // its pool
  CgroupTree tree(l, 0);
  CHECK(tree.sweep() == 0);
  CHECK(kill(task, 0) == 0);
  CHECK(fs::exists(f.root / "memory/b" / mine));
  CHECK(fs::exists(f.root / "memory/b" / ("t" + std::to_string(other) + ".4")));
  // Once that worker is gone, what it left is a leftover like any other.
  kill(other, SIGKILL);
  int status = 0;
  REQUIRE(waitpid(other, &status, 0) == other);
  CgroupTree next(l, 0);
  CHECK(next.sweep() == 1);
  REQUIRE(waitpid(task, &status, 0) == task);
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK_FALSE(fs::exists(f.root / "memory/b" / mine));
}

TEST_CASE("kill sends SIGKILL to every process its cgroup lists, also ones outside the task's process group") {
  FakeCgroupFs f;
  CgroupLayout l;
  l.version = 1;
  l.memory = f.dir("memory");
  CgroupTree tree(l, 0);
  auto cg = tree.take({});
  REQUIRE(cg);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    setsid();  // its own session, as a daemonizing grandchild would
    for (;;) pause();
  }
  f.write(cg->paths[0] + "/cgroup.procs", std::to_string(child) + "\n");
  tree.kill(*cg);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  f.write(cg->paths[0] + "/cgroup.procs", "");
  tree.release(std::move(*cg));
}

TEST_CASE("the notice for uncontained tasks says which guarantees are off") {
  const std::string n = uncontained_notice("worker.cgroup = off");
  CHECK(n.find("--mem is not enforced") != std::string::npos);
  CHECK(n.find("outlive") != std::string::npos);
  CHECK(n.find("worker.cgroup = off") != std::string::npos);
}

TEST_CASE("on v2 the worker moves into <own>/worker, gives memory and cpu to its children, and makes tasks in <own>/tasks") {
  FakeCgroupFs f;
  const std::string proc = f.dir("proc/self");
  const std::string root = f.dir("cg");
  const std::string own = f.dir("cg/system.slice/baton-worker.service");
  f.write(proc + "/mounts", "cgroup2 " + root + " cgroup2 rw,nsdelegate 0 0\n");
  f.write(proc + "/cgroup", "0::/system.slice/baton-worker.service\n");
  f.write(own + "/cgroup.controllers", "cpuset cpu io memory pids\n");
  f.write(own + "/cgroup.procs", std::to_string(getpid()) + "\n");
  // What the kernel shows in a new child cgroup, made ahead in the fake.
  f.write(f.dir("cg/system.slice/baton-worker.service/tasks") + "/cgroup.controllers", "cpu memory\n");
  CgroupSettings s;
  s.proc = (f.root / "proc").string();
  s.worker_name = "node1";
  CgroupSetup setup = setup_cgroups(s);
  REQUIRE_MESSAGE(setup.tree, setup.why_not);
  CHECK(setup.tree->layout().version == 2);
  CHECK(setup.tree->dirs().front() == own + "/tasks");
  CHECK(f.read(own + "/worker/cgroup.procs") == std::to_string(getpid()));
  CHECK(f.read(own + "/cgroup.subtree_control") == "+cpu");  // the last of +memory, +cpu written
  CHECK(f.read(own + "/tasks/cgroup.subtree_control") == "+cpu");
  auto cg = setup.tree->take(TaskLimits{256, 2});
  REQUIRE(cg);
  CHECK(f.read(cg->paths[0] + "/memory.max") == "268435456");
  setup.tree->release(std::move(*cg));
}

TEST_CASE("on v2 a cgroup without the memory controller gives no tree, and says so") {
  FakeCgroupFs f;
  const std::string proc = f.dir("proc/self");
  const std::string own = f.dir("cg/user.slice");
  f.write(proc + "/mounts", "cgroup2 " + (f.root / "cg").string() + " cgroup2 rw 0 0\n");
  f.write(proc + "/cgroup", "0::/user.slice\n");
  f.write(own + "/cgroup.controllers", "cpu pids\n");
  f.write(own + "/cgroup.procs", "");
  CgroupSettings s;
  s.proc = (f.root / "proc").string();
  CgroupSetup setup = setup_cgroups(s);
  CHECK_FALSE(setup.tree);
  CHECK(setup.why_not.find("memory controller is not delegated") != std::string::npos);
}
