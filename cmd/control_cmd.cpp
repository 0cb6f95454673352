// Client commands that change jobs: cancel, hold, release, update, wait.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cmd/context.h"
#include "cmd/waiting.h"
#include "core/timefmt.h"
#include "exec/signal_names.h"

namespace baton::cli {

namespace {

// Prints per-target notes; a failed call has already printed its error.
int finish_reply(bool ok_call, const pb::Envelope& reply, int code) {
  if (!ok_call) return code;
  for (const auto& m : reply.reply().messages()) std::cerr << "baton: " << m << "\n";
  return kOk;
}

struct CancelFlags {
  std::vector<std::string> targets;
  std::string signal;
};

int run_cancel(Context& ctx, const CancelFlags& f) {
  pb::Envelope req, reply;
  for (const auto& t : f.targets) req.mutable_cancel()->add_targets(t);
  if (!f.signal.empty()) {
    auto sig = parse_signal(f.signal);
    if (!sig || *sig <= 0) return ctx.fail(kUsage, "cancel: unknown signal '" + f.signal + "'");
    req.mutable_cancel()->set_signal(*sig);
  }
  int code = 0;
  const bool ok = ctx.call(req, reply, code);
  return finish_reply(ok, reply, code);
}

int run_hold(Context& ctx, const std::vector<std::string>& targets, bool hold) {
  pb::Envelope req, reply;
  for (const auto& t : targets) req.mutable_hold()->add_targets(t);
  req.mutable_hold()->set_hold(hold);
  int code = 0;
  const bool ok = ctx.call(req, reply, code);
  return finish_reply(ok, reply, code);
}

struct UpdateFlags {
  std::string target;
  std::vector<std::string> fields;
};

int run_update(Context& ctx, const UpdateFlags& f) {
  pb::Envelope req, reply;
  req.mutable_update()->set_target(f.target);
  req.mutable_update()->set_uid(getuid());
  if (f.fields.empty()) return ctx.fail(kUsage, "update: give at least one KEY=VALUE (priority, nice, time, begin, name, throttle, retries)");
  for (const auto& kv : f.fields) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return ctx.fail(kUsage, "update: expected KEY=VALUE, got '" + kv + "'");
    (*req.mutable_update()->mutable_fields())[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  int code = 0;
  const bool ok = ctx.call(req, reply, code);
  return finish_reply(ok, reply, code);
}

struct WaitFlags {
  std::vector<std::string> targets;
  bool any = false, progress = false;
  std::string timeout;
};

int run_wait(Context& ctx, const WaitFlags& f) {
  WaitOptions o;
  o.any = f.any;
  o.verbose = ctx.verbosity > 0;
  o.progress = f.progress;
  if (!f.timeout.empty()) {
    auto t = parse_duration(f.timeout);
    if (!t) return ctx.fail(kUsage, "wait --timeout: " + t.error());
    o.timeout_ms = *t;
  }
  return wait_jobs(ctx, f.targets, o);
}

}  // namespace

Runner install_cancel(CLI::App& sub, Context&) {
  auto f = std::make_shared<CancelFlags>();
  sub.add_option("jobs", f->targets, "Jobs or tasks: 42, 42_7, 42_[1-5]")->required();
  sub.add_option("-s,--signal", f->signal, "Send this signal to running tasks instead of cancelling (USR1, TERM, 10)");
  sub.footer("Pending tasks are cancelled at once; running ones get SIGTERM, then SIGKILL after the worker's grace period.");
  return [f](Context& ctx) { return run_cancel(ctx, *f); };
}

Runner install_hold(CLI::App& sub, Context&) {
  auto t = std::make_shared<std::vector<std::string>>();
  sub.add_option("jobs", *t, "Pending jobs to hold")->required();
  return [t](Context& ctx) { return run_hold(ctx, *t, true); };
}

Runner install_release(CLI::App& sub, Context&) {
  auto t = std::make_shared<std::vector<std::string>>();
  sub.add_option("jobs", *t, "Held jobs to release")->required();
  return [t](Context& ctx) { return run_hold(ctx, *t, false); };
}

Runner install_update(CLI::App& sub, Context&) {
  auto f = std::make_shared<UpdateFlags>();
  sub.add_option("job", f->target, "The job to change")->required();
  sub.add_option("fields", f->fields, "KEY=VALUE: priority=N (owner/root), nice=N, time=LIMIT, begin=TIME, name=NAME, "
                                      "throttle=N (arrays, also while running), retries=N");
  return [f](Context& ctx) { return run_update(ctx, *f); };
}

Runner install_wait(CLI::App& sub, Context&) {
  auto f = std::make_shared<WaitFlags>();
  sub.add_option("jobs", f->targets, "Jobs or tasks to wait for")->required();
  sub.add_flag("--any", f->any, "Return when the first of them ends, with its status");
  sub.add_option("--timeout", f->timeout, "Give up after this long (10s, 5m): exit 1, jobs keep running");
  sub.add_flag("--progress", f->progress,
               "On a terminal, a one-line bar on stderr: pending, running, done and failed tasks, rate and ETA");
  sub.footer("Exit status: 0 when every task completed, else the highest task exit code, 128+N for a task\n"
             "killed by signal N, 124 for a time limit, 125 for a cancelled job, 137 for a task killed at its\n"
             "--mem limit (OUT_OF_MEMORY); 3 if the broker is unreachable.");
  return [f](Context& ctx) { return run_wait(ctx, *f); };
}

}  // namespace baton::cli
