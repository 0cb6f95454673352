// Finding where a worker may make task cgroups (worker.cgroup = auto | off |
// PATH) and making its subtree: which cgroup version the host offers (the
// unified v2 hierarchy with the memory controller, else the v1 memory
// controller, as on hosts whose cgroup2 mount has no controllers), the
// worker's own cgroup (/proc/self/cgroup), and, on v2, moving the worker into
// a leaf of its delegated cgroup so task cgroups can have controllers.
// When none can be made, says why, for the worker's one notice line.
// May not touch: cgroups outside the worker's subtree (except, on v2 with a
// PATH, enabling controllers on that path's ancestors).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "exec/cgroup_tree.h"

namespace baton {

struct CgroupSettings {
  std::string mode = "auto";      // auto | off | a cgroup path like /baton/node1
  std::string worker_name = "worker";
  bool enforce_mem = true;
  CpuLimit cpu_limit = CpuLimit::weight;
  std::string proc = "/proc";     // tests point it at a fake
};

// What /proc/self/mounts says: the v1 hierarchies by controller, and the
// cgroup2 mount (empty when none).
struct CgroupMounts {
  std::map<std::string, std::string> v1;  // "memory" -> "/sys/fs/cgroup/memory"
  std::string v2;
};
CgroupMounts parse_cgroup_mounts(const std::string& mounts_text);
// /proc/self/cgroup: controller -> path; "" is the v2 entry ("0::/path").
std::map<std::string, std::string> parse_own_cgroups(const std::string& text);

// The directories task cgroups would go in, before anything is made. Errors
// say why there is none ("no memory controller is mounted").
Result<CgroupLayout> plan_cgroups(const CgroupSettings& s, const CgroupMounts& mounts,
                                  const std::map<std::string, std::string>& own);

struct CgroupSetup {
  std::unique_ptr<CgroupTree> tree;   // null: tasks run uncontained
  std::string why_not;                // with a null tree, the reason
  std::size_t swept = 0;              // a previous worker's task cgroups that still had processes
};

// Plans, makes the subtree (v2: the worker moves into <own>/worker), sweeps
// what a previous worker left, and fills the pool. Never fails: with no tree,
// why_not says what went wrong.
CgroupSetup setup_cgroups(const CgroupSettings& s);

// The worker's notice when tasks run uncontained: which guarantees are off.
std::string uncontained_notice(const std::string& why_not);

}  // namespace baton
