#include "cmd/waiting.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "cmd/output.h"
#include "cmd/progress.h"

#include "core/job.h"
#include "core/output_pattern.h"
#include "core/timefmt.h"

namespace baton::cli {

namespace {

void cat_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cout << "(cannot read " << path << ")\n";
    return;
  }
  std::cout << in.rdbuf();
  std::cout.flush();
}

// Prints the output files of the tasks that did not complete (like chronic).
void print_failed_output(const pb::JobSpec& spec, const pb::JobInfo& job) {
  const bool several = job.is_array();
  for (const pb::TaskInfo& t : job.tasks()) {
    if (t.state() == pb::COMPLETED) continue;
    const TaskFiles files = task_files(spec, {job.id(), t.index(), job.is_array(), job.name(), job.user(), t.worker()});
    if (several) std::cout << "==> " << format_task(job.id(), t.index(), true) << " " << state_name(t.state()) << " <==\n";
    cat_file(files.absolute(files.stdout_path));
    if (!files.stderr_path.empty()) cat_file(files.absolute(files.stderr_path));
  }
}

std::size_t terminal_width() {
  winsize ws{};
  return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
}

// Redraws the bar in place on stderr: carriage return, the line, clear to the end.
struct ProgressBar {
  Progress progress{wall_now()};
  ProgressCounts last;
  bool drawn = false;

  void on_status(const pb::Envelope& reply) {
    if (!reply.has_status_reply()) return;
    last = count_tasks(reply.status_reply());
    const std::string line = progress.update(last, wall_now(), terminal_width() - 1);
    if (line.empty()) return;
    std::cerr << "\r" << line << "\x1b[K" << std::flush;
    drawn = true;
  }
  void finish(const pb::WaitReply& w) {
    if (!drawn) return;
    pb::StatusReply s;
    *s.mutable_jobs() = w.jobs();
    const ProgressCounts c = count_tasks(s);
    std::cerr << "\r\x1b[K" << progress.summary(c.total ? c : last, wall_now()) << "\n";
  }
};

}  // namespace

int wait_jobs(const Context& ctx, const std::vector<std::string>& targets, const WaitOptions& o) {
  pb::Envelope req, reply;
  for (const auto& t : targets) req.mutable_wait()->add_targets(t);
  req.mutable_wait()->set_any(o.any);
  auto client = ctx.client();
  wire::ClientError err;
  // The bar is for people: nothing when stderr is not a terminal, or with -q.
  std::optional<ProgressBar> bar;
  wire::Probe probe;
  if (o.progress && ctx.verbosity >= 0 && isatty(STDERR_FILENO)) {
    bar.emplace();
    for (const auto& t : targets) probe.request.mutable_status()->add_targets(t);
    probe.request.mutable_status()->set_all(true);
    probe.every_ms = 500;
    probe.on_reply = [&bar](const pb::Envelope& r) { bar->on_status(r); };
  }
  const bool ok = client->wait_for(req, reply, err, o.timeout_ms, bar ? &probe : nullptr);
  if (bar && bar->drawn && !ok) std::cerr << "\n";
  if (!ok) {
    if (err.message == "timed out")
      return ctx.fail(kRefused, "wait: timed out after " + format_duration(o.timeout_ms) + "; the jobs are still active");
    return ctx.fail(err.exit_code, err.message);
  }
  const pb::WaitReply& w = reply.wait_reply();
  if (bar) bar->finish(w);
  for (const pb::JobInfo& j : w.jobs()) {
    if (o.verbose) std::cerr << "job " << j.id() << " " << state_name(j.state()) << " (exit status " << j.wait_code() << ")\n";
    for (const pb::TaskInfo& t : j.tasks())
      if (!t.error().empty())
        std::cerr << "baton: task " << format_task(j.id(), t.index(), j.is_array()) << " could not start: " << t.error() << "\n";
    if (o.print_failed && j.wait_code() != 0) print_failed_output(*o.print_failed, j);
  }
  return w.exit_code();
}

}  // namespace baton::cli
