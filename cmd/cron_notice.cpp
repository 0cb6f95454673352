// ShellCronNotifier (see cron_notice.h).
#include "cmd/cron_notice.h"

#include <spdlog/spdlog.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

extern char** environ;

namespace baton::cli {

void ShellCronNotifier::run_failed(const CronFailure& f) {
  // Everything the child needs is built before fork: after it, in a process
  // with other threads (ZeroMQ's), only async-signal-safe calls are allowed.
  std::vector<std::string> vars = {
      "BATON_CRON_NAME=" + f.entry,  "BATON_CRON_USER=" + f.user,
      "BATON_JOB_ID=" + std::to_string(f.job), "BATON_JOB_STATE=" + f.state,
      "BATON_EXIT_CODE=" + std::to_string(f.exit_code), "BATON_CRON_SCHEDULED_MS=" + std::to_string(f.scheduled_ms)};
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  for (auto& v : vars) envp.push_back(v.data());
  envp.push_back(nullptr);
  std::string cmd = f.command;
  char sh[] = "/bin/sh", dash_c[] = "-c";
  char* argv[] = {sh, dash_c, cmd.data(), nullptr};
  spdlog::info("cron {}: run (job {}) ended {} with exit status {}; running its --on-failure command", f.entry, f.job,
               f.state, f.exit_code);
  const pid_t child = fork();
  if (child < 0) {
    spdlog::error("cron {}: cannot run --on-failure: fork failed", f.entry);
    return;
  }
  if (child == 0) {
    // Detach: the grandchild runs the command and is reaped by init.
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // the broker blocks its shutdown signals
    if (fork() == 0) {
      execve("/bin/sh", argv, envp.data());
      _exit(127);
    }
    _exit(0);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace baton::cli
