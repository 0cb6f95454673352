#include "cmd/waiting.h"

#include <fstream>
#include <iostream>

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

}  // namespace

int wait_jobs(const Context& ctx, const std::vector<std::string>& targets, const WaitOptions& o) {
  pb::Envelope req, reply;
  for (const auto& t : targets) req.mutable_wait()->add_targets(t);
  req.mutable_wait()->set_any(o.any);
  auto client = ctx.client();
  wire::ClientError err;
  if (!client->wait_for(req, reply, err, o.timeout_ms)) {
    if (err.message == "timed out")
      return ctx.fail(kRefused, "wait: timed out after " + format_duration(o.timeout_ms) + "; the jobs are still active");
    return ctx.fail(err.exit_code, err.message);
  }
  const pb::WaitReply& w = reply.wait_reply();
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
