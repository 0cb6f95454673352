// Small pieces the two daemons share: log set-up, an exclusive lock file, a
// random incarnation id.
#pragma once

#include <string>

#include "core/status.h"

namespace baton::cli {

void setup_logging(const std::string& level, const std::string& who);

// Holds an exclusive flock on `path` for the life of the process (the fd is
// leaked on purpose). Fails, naming the holder's pid, when another process has it.
Status lock_file(const std::string& path);

std::string random_id();

// mkdir -p for the parent directory of `path`, mode 0700 for new directories.
Status make_parent_dirs(const std::string& path);

}  // namespace baton::cli
