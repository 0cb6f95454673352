// Detecting the host's cgroups and making the worker's subtree; see
// cgroup_setup.h.
#include "exec/cgroup_setup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace baton {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

std::string join_path(const std::string& a, const std::string& b) {
  if (b.empty() || b == "/") return a;
  return a + (b[0] == '/' ? "" : "/") + b;
}

Status mkdir_p(const std::string& dir) {
  for (std::size_t i = 1; i <= dir.size(); ++i) {
    if (i != dir.size() && dir[i] != '/') continue;
    const std::string prefix = dir.substr(0, i);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      return Status::error("cannot create cgroup " + prefix + ": " + std::strerror(errno));
  }
  return Status::ok();
}

bool has_word(const std::string& text, const std::string& word) {
  std::istringstream in(text);
  std::string w;
  while (in >> w)
    if (w == word) return true;
  return false;
}

// v2: the controllers task cgroups need, enabled for the children of `dir`.
Status enable_controllers(const std::string& dir, const CgroupSettings& s) {
  auto have = read_text(dir + "/cgroup.controllers");
  if (!have) return have.status();
  if (!has_word(*have, "memory")) return Status::error("the memory controller is not delegated to " + dir);
  if (Status st = write_text(dir + "/cgroup.subtree_control", "+memory"); !st) return st;
  if (s.cpu_limit != CpuLimit::none && has_word(*have, "cpu"))
    if (Status st = write_text(dir + "/cgroup.subtree_control", "+cpu"); !st) return st;
  return Status::ok();
}

// v2 auto: the worker's own cgroup, delegated to it (systemd Delegate=yes).
// A cgroup with processes cannot give controllers to its children, so the
// worker moves into <own>/worker and tasks go in <own>/tasks.
Result<std::string> delegate_own_v2(const std::string& own, const CgroupSettings& s) {
  auto procs = read_text(own + "/cgroup.procs");
  if (!procs) return procs.status();
  if (!procs->empty()) {
    const std::string leaf = own + "/worker";
    if (mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST)
      return Status::error("cannot create cgroup " + leaf + ": " + std::strerror(errno));
    if (Status st = write_text(leaf + "/cgroup.procs", std::to_string(getpid())); !st) return st;
  }
  if (Status st = enable_controllers(own, s); !st)
    return Status::error(st.message() + " (other processes share the worker's cgroup " + own + "?)");
  const std::string tasks = own + "/tasks";
  if (mkdir(tasks.c_str(), 0755) != 0 && errno != EEXIST)
    return Status::error("cannot create cgroup " + tasks + ": " + std::strerror(errno));
  if (Status st = enable_controllers(tasks, s); !st) return st;
  return tasks;
}

// v2 PATH: made, with the controllers enabled from the root down to it.
Status prepare_path_v2(const std::string& mount, const std::string& path, const CgroupSettings& s) {
  const std::string dir = join_path(mount, path);
  if (Status st = mkdir_p(dir); !st) return st;
  std::string at = mount;
  if (Status st = enable_controllers(at, s); !st) return st;
  for (const std::string& part : split(path, '/')) {
    if (part.empty()) continue;
    at += "/" + part;
    if (Status st = enable_controllers(at, s); !st) return st;
  }
  return Status::ok();
}

}  // namespace

CgroupMounts parse_cgroup_mounts(const std::string& text) {
  CgroupMounts m;
  for (const std::string& line : split(text, '\n')) {
    std::istringstream in(line);
    std::string dev, dir, type, opts;
    if (!(in >> dev >> dir >> type >> opts)) continue;
    if (type == "cgroup2") {
      if (m.v2.empty()) m.v2 = dir;
    } else if (type == "cgroup") {
      for (const std::string& o : split(opts, ','))
        if (o == "memory" || o == "freezer" || o == "cpu" || o == "cpuacct")
          if (!m.v1.count(o)) m.v1[o] = dir;
    }
  }
  return m;
}

std::map<std::string, std::string> parse_own_cgroups(const std::string& text) {
  std::map<std::string, std::string> own;
  for (const std::string& line : split(text, '\n')) {
    const auto a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string path = line.substr(b + 1);
    const std::string ctrls = line.substr(a + 1, b - a - 1);
    if (ctrls.empty()) own[""] = path;
    for (const std::string& c : split(ctrls, ',')) own[c] = path;
  }
  return own;
}

Result<CgroupLayout> plan_cgroups(const CgroupSettings& s, const CgroupMounts& mounts,
                                  const std::map<std::string, std::string>& own) {
  CgroupLayout l;
  l.enforce_mem = s.enforce_mem;
  l.cpu_limit = s.cpu_limit;
  const bool automatic = s.mode == "auto";
  if (!automatic && (s.mode.empty() || s.mode[0] != '/'))
    return Status::error("worker.cgroup: expected auto, off or an absolute cgroup path, got '" + s.mode + "'");
  auto own_of = [&own](const std::string& ctrl) {
    auto it = own.find(ctrl);
    return it == own.end() ? std::string("/") : it->second;
  };
  if (auto mem = mounts.v1.find("memory"); mem != mounts.v1.end()) {
    // v1 (the hybrid layout too: a cgroup2 mount without controllers).
    l.version = 1;
    auto dir = [&](const std::string& ctrl) -> std::string {
      auto m = mounts.v1.find(ctrl);
      if (m == mounts.v1.end()) return "";
      return automatic ? join_path(m->second, own_of(ctrl)) + "/baton-" + s.worker_name : join_path(m->second, s.mode);
    };
    l.memory = dir("memory");
    l.freezer = dir("freezer");
    l.cpuacct = dir("cpuacct");
    l.cpu = dir("cpu");
    return l;
  }
  if (mounts.v2.empty()) return Status::error("no cgroup memory controller is mounted");
  l.version = 2;
  l.memory = automatic ? join_path(mounts.v2, own_of("")) : join_path(mounts.v2, s.mode);
  return l;
}

CgroupSetup setup_cgroups(const CgroupSettings& s) {
  CgroupSetup out;
  if (s.mode == "off") {
    out.why_not = "worker.cgroup = off";
    return out;
  }
  auto mounts = read_text(s.proc + "/self/mounts");
  auto own = read_text(s.proc + "/self/cgroup");
  if (!mounts || !own) {
    out.why_not = mounts ? own.error() : mounts.error();
    return out;
  }
  auto layout = plan_cgroups(s, parse_cgroup_mounts(*mounts), parse_own_cgroups(*own));
  if (!layout) {
    out.why_not = layout.error();
    return out;
  }
  if (layout->version == 2) {
    const CgroupMounts m = parse_cgroup_mounts(*mounts);
    if (s.mode == "auto") {
      auto tasks = delegate_own_v2(layout->memory, s);
      if (!tasks) {
        out.why_not = tasks.error();
        return out;
      }
      layout->memory = *tasks;
    } else if (Status st = prepare_path_v2(m.v2, s.mode, s); !st) {
      out.why_not = st.message();
      return out;
    }
  } else {
    for (std::string* dir : {&layout->memory, &layout->freezer, &layout->cpuacct, &layout->cpu}) {
      if (dir->empty()) continue;
      if (Status st = mkdir_p(*dir); !st) {
        if (dir == &layout->memory) {
          out.why_not = st.message();
          return out;
        }
        dir->clear();  // an optional hierarchy we cannot use: do without it
      }
    }
  }
  auto tree = std::make_unique<CgroupTree>(*layout);
  out.swept = tree->sweep();
  // One cgroup made now proves the subtree works (and starts the pool).
  auto probe = tree->take(TaskLimits{});
  if (!probe) {
    out.why_not = probe.error();
    return out;
  }
  tree->release(std::move(*probe));
  tree->refill();
  tree->start_janitor();
  out.tree = std::move(tree);
  return out;
}

std::string uncontained_notice(const std::string& why_not) {
  return "tasks run without cgroups (" + why_not +
         "): --mem is not enforced, processes that leave a task's process group (setsid, daemons) outlive it, "
         "and MAXRSS/CPU come from the task's main process only";
}

}  // namespace baton
