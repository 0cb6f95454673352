// The user a run-as-submitter task runs as: looked up on this host in the
// parent (getpwnam_r, getgrouplist, which may allocate and talk to NSS), so the
// vforked child only has to make the set*id calls. Also the task's
// environment as that user sees it.
// May not touch: the worker's own credentials or environment.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace baton {

struct TaskUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
  std::string shell;
  std::vector<gid_t> groups;  // supplementary groups, as initgroups() would set them
};

// Looks `name` up in the passwd database, and its groups. Errors:
// "cannot run the task as its submitter: the job names no user",
// "cannot run the task as user 'bob': no such user on this worker",
// "refusing to run the task as root (user 'root', uid 0): ..." unless allow_root.
Result<TaskUser> lookup_task_user(const std::string& name, bool allow_root);

// `env` with HOME, USER, LOGNAME and SHELL taken from the passwd entry: the
// submitter's values (from another host, or absent with --export=NONE) are
// replaced.
std::vector<std::string> task_user_env(const std::vector<std::string>& env, const TaskUser& user);

}  // namespace baton
