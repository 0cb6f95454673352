// The [ha] section of the configuration, checked and turned into what a
// replicated broker (ha/cluster_member.h) and `baton ha recover` need.
#pragma once

#include "cmd/settings.h"
#include "core/status.h"
#include "ha/cluster_member.h"

namespace baton::cli {

// [ha] as the cluster member's options, its local journal `journal`. The
// error names the bad setting. Creates ha.raft_dir when missing.
Result<ha::MemberOptions> member_options(const Settings& s, const JournalOptions& journal);

}  // namespace baton::cli
