// `baton logs JOB[_IDX]`: a task's output, fetched through the broker from the
// worker that ran it, so no shared file system is needed. The client pulls
// one chunk per request (see LogsRequest in transport/baton.proto); with -f
// it asks again after a short pause at the end of the file, until the task
// has ended and every byte has been read.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

#include "cmd/context.h"
#include "core/job.h"

namespace baton::cli {

namespace {

// How often -f asks again: at the end of the output, and while the task waits to start.
constexpr auto kFollowPoll = std::chrono::milliseconds(250);
constexpr auto kPendingPoll = std::chrono::milliseconds(500);

struct LogsFlags {
  std::string target;
  bool want_stderr = false;
  std::optional<std::int64_t> tail;  // unset: from the start
  bool follow = false;
};

// Writes all of `data` to stdout, bytes unchanged; false when the reader is
// gone (EPIPE when piped to head) or stdout fails otherwise.
bool write_out(const std::string& data) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

int run_logs(Context& ctx, const LogsFlags& f) {
  if (f.tail && *f.tail < 0)
    return ctx.fail(kUsage, "--tail: expected a number of lines (0 or more), got " + std::to_string(*f.tail));
  // A closed pipe shows up as EPIPE from write(), and ends the command quietly.
  signal(SIGPIPE, SIG_IGN);
  auto client = ctx.client();
  std::uint64_t offset = 0;
  std::optional<std::uint32_t> tail;
  if (f.tail) tail = static_cast<std::uint32_t>(std::min<std::int64_t>(*f.tail, UINT32_MAX));
  std::uint32_t attempt = 0;  // 0: not seen started yet
  bool noted = false;
  while (true) {
    pb::Envelope req, reply;
    pb::LogsRequest* q = req.mutable_logs();
    q->set_target(f.target);
    q->set_want_stderr(f.want_stderr);
    q->set_offset(offset);
    if (tail) q->set_tail_lines(*tail);
    wire::ClientError err;
    // wait_for, not call: the broker answers once the worker has, which may
    // take longer than client.timeout; it pings meanwhile to tell a dead broker.
    if (!client->wait_for(req, reply, err, 0)) return ctx.fail(err.exit_code, err.message);
    const pb::LogsReply& r = reply.logs_reply();
    if (!r.started()) {
      if (!f.follow)
        return ctx.fail(kRefused, "task " + f.target + " has not started yet (pending: " + r.reason() +
                                      "); `baton logs -f` waits for it");
      std::this_thread::sleep_for(kPendingPoll);
      continue;
    }
    if (r.stderr_in_stdout() && !noted) {
      std::cerr << "baton: job " << f.target << " has no separate stderr file (no -e): its stderr goes to the stdout file "
                << r.path() << ", shown here\n";
      noted = true;
    }
    if (attempt != 0 && r.attempt() != attempt) {
      std::cerr << "baton: task " << f.target << " started again (attempt " << r.attempt() << " on worker " << r.worker()
                << "); its output follows from the start\n";
      attempt = r.attempt();
      offset = 0;
      continue;
    }
    attempt = r.attempt();
    if (!tail && r.size() < offset) {
      std::cerr << "baton: " << r.path() << " was truncated; reading it from the start\n";
      offset = 0;
      continue;
    }
    if (!write_out(r.data())) return kOk;
    offset = r.offset() + r.data().size();
    tail.reset();  // it chose the start; go on from there
    if (offset < r.size()) continue;  // more is there already
    if (!f.follow || is_terminal(r.state())) return kOk;
    std::this_thread::sleep_for(kFollowPoll);
  }
}

}  // namespace

Runner install_logs(CLI::App& sub, Context&) {
  auto f = std::make_shared<LogsFlags>();
  sub.add_option("task", f->target, "The task: JOB, or JOB_INDEX for an array task")->required();
  sub.add_flag("--stderr", f->want_stderr, "Print the task's stderr file (-e) instead of its stdout");
  sub.add_option("--tail", f->tail, "Print only the last N lines");
  sub.add_flag("-f,--follow", f->follow, "Keep printing new output until the task ends (waits for it to start)");
  sub.footer("The output is read on the worker that ran the task and relayed by the broker; no shared file\n"
             "system is needed. Exit status: 0 success; 1 unknown job, not started (without -f), worker gone,\n"
             "or the file cannot be read; 2 usage error (an array job named without an index); 3 broker unreachable.");
  return [f](Context& ctx) { return run_logs(ctx, *f); };
}

}  // namespace baton::cli
