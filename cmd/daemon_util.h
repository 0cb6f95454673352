// Small pieces the two daemons share: log set-up, an exclusive lock file, a
// random incarnation id, a watch on the runtime directory's sockets.
#pragma once

#include <string>

#include "core/status.h"

namespace baton::cli {

void setup_logging(const std::string& level, const std::string& who);

// Holds an exclusive flock on `path` for the life of the process (the fd is
// leaked on purpose). Fails, naming the holder's pid, when another process has it.
Status lock_file(const std::string& path);

std::string random_id();

// The pid holding the exclusive lock on `path` (see lock_file), or 0 when no
// process holds it (or the file does not exist).
int lock_holder(const std::string& path);

// Remembers which file `path` is (device and inode) when made, and tells
// later whether the same file is still there. A personal daemon watches its
// ipc:// socket (broker) or the directory its broker's socket is in (worker):
// when the runtime directory is removed (logout, a test harness cleaning up)
// no client can reach it any more, and it stops instead of holding the
// journal for nobody.
class PathWatch {
 public:
  PathWatch() = default;
  explicit PathWatch(std::string path);
  bool watching() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  // True while the path names the file it named when the watch began.
  bool unchanged() const;

 private:
  std::string path_;
  unsigned long dev_ = 0, ino_ = 0;
};

// The file system path of an ipc:// endpoint, or empty for other transports.
std::string ipc_path(const std::string& endpoint);

// mkdir -p for the parent directory of `path`, mode 0700 for new directories.
Status make_parent_dirs(const std::string& path);

}  // namespace baton::cli
