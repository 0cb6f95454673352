// Looking up a run-as task's user; see task_user.h.
#include "exec/task_user.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace baton {

Result<TaskUser> lookup_task_user(const std::string& name, bool allow_root) {
  if (name.empty()) return Status::error("cannot run the task as its submitter: the job names no user");
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(hint > 0 ? static_cast<std::size_t>(hint) : 4096);
  passwd pw{};
  passwd* found = nullptr;
  int rc = 0;
  while ((rc = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found)) == ERANGE &&
         buf.size() < (1u << 20))
    buf.resize(buf.size() * 2);
  if (rc != 0 && rc != ENOENT && rc != ESRCH)
    return Status::error("cannot look up user '" + name + "': " + std::strerror(rc));
  if (!found) return Status::error("cannot run the task as user '" + name + "': no such user on this worker");
  if (pw.pw_uid == 0 && !allow_root)
    return Status::error("refusing to run the task as root (user '" + name +
                         "', uid 0): this worker runs jobs as their submitter and "
                         "worker.allow_root_jobs is off");

  TaskUser u;
  u.name = name;
  u.uid = pw.pw_uid;
  u.gid = pw.pw_gid;
  u.home = pw.pw_dir ? pw.pw_dir : "/";
  u.shell = pw.pw_shell && *pw.pw_shell ? pw.pw_shell : "/bin/sh";

  int count = 32;
  u.groups.resize(static_cast<std::size_t>(count));
  for (;;) {
    int n = count;
    if (getgrouplist(name.c_str(), u.gid, u.groups.data(), &n) >= 0) {
      u.groups.resize(static_cast<std::size_t>(n));
      break;
    }
    if (n <= count) return Status::error("cannot look up the groups of user '" + name + "'");
    count = n;
    u.groups.resize(static_cast<std::size_t>(count));
  }
  // As initgroups() does: no more than the kernel takes.
  long max = sysconf(_SC_NGROUPS_MAX);
  if (max > 0 && u.groups.size() > static_cast<std::size_t>(max)) u.groups.resize(static_cast<std::size_t>(max));
  return u;
}

std::vector<std::string> task_user_env(const std::vector<std::string>& env, const TaskUser& user) {
  auto replaced = [](const std::string& kv) {
    for (const char* key : {"HOME=", "USER=", "LOGNAME=", "SHELL="})
      if (kv.compare(0, std::strlen(key), key) == 0) return true;
    return false;
  };
  std::vector<std::string> out;
  out.reserve(env.size() + 4);
  for (const std::string& kv : env)
    if (!replaced(kv)) out.push_back(kv);
  out.push_back("HOME=" + user.home);
  out.push_back("USER=" + user.name);
  out.push_back("LOGNAME=" + user.name);
  out.push_back("SHELL=" + user.shell);
  return out;
}

}  // namespace baton
