// --on-failure of cron entries: runs the entry's shell command on the broker
// host when a run fails, with what happened in its environment. The
// CronNotifier the broker's engine calls.
#pragma once

#include "core/cron_table.h"

namespace baton::cli {

// Each notice is `/bin/sh -c CMD`, detached (no zombie, never waited for),
// with BATON_CRON_NAME, BATON_CRON_USER, BATON_JOB_ID, BATON_JOB_STATE,
// BATON_EXIT_CODE and BATON_CRON_SCHEDULED_MS added to the broker's
// environment. Its output goes where the broker's goes.
class ShellCronNotifier final : public CronNotifier {
 public:
  void run_failed(const CronFailure& failure) override;
};

}  // namespace baton::cli
