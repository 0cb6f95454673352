// `baton events`: the broker's job and worker transitions, one per line, from
// a cursor or a time onward, and with -f as they happen. The broker side is
// cmd/event_feed.*; the cursor's meaning is in core/broker_events.h and
// baton-events(1).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cmd/context.h"
#include "cmd/output.h"
#include "core/ids.h"
#include "core/timefmt.h"

namespace baton::cli {

namespace {

struct EventsFlags {
  bool follow = false;
  bool json = false;
  std::string since;
};

bool is_task_event(const std::string& kind) { return kind == "started" || kind == "finished"; }

std::string event_json(const pb::ObsEvent& e) {
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["cursor"] = e.cursor();
  j["kind"] = e.kind();
  j["time"] = format_utc(e.time_ms());
  j["time_ms"] = e.time_ms();
  if (e.job()) {
    j["job"] = e.job();
    if (is_task_event(e.kind())) {
      j["task"] = format_task(e.job(), e.index(), e.is_array());
      j["index"] = e.index();
      j["attempt"] = e.attempt();
    }
  }
  if (e.kind() == "submitted") {
    j["user"] = e.user();
    j["name"] = e.name();
    j["queue"] = e.queue();
  }
  if (e.kind() == "finished" || e.kind() == "job_finished") {
    j["state"] = pb::TaskState_Name(e.state());
    j["exit_code"] = e.exit_code();
  }
  if (e.kind() == "finished") j["signal"] = e.signal();
  if (!e.worker().empty()) j["worker"] = e.worker();
  return j.dump();
}

std::string event_line(const pb::ObsEvent& e) {
  std::string what;
  if (is_task_event(e.kind())) what = format_task(e.job(), e.index(), e.is_array());
  else if (e.job()) what = std::to_string(e.job());
  else what = e.worker();
  std::string detail;
  if (e.kind() == "submitted") detail = e.user() + " " + e.name() + " queue=" + e.queue();
  else if (e.kind() == "started") detail = "on " + e.worker() + " attempt " + std::to_string(e.attempt());
  else if (e.kind() == "finished")
    detail = pb::TaskState_Name(e.state()) + " exit " + std::to_string(e.exit_code()) +
             (e.signal() ? " signal " + std::to_string(e.signal()) : "") + " on " + e.worker();
  else if (e.kind() == "job_finished") detail = pb::TaskState_Name(e.state()) + " exit " + std::to_string(e.exit_code());
  return format_utc(e.time_ms()) + "  " + e.kind() + std::string(e.kind().size() < 14 ? 14 - e.kind().size() : 1, ' ') +
         what + "  " + detail;
}

int run_events(Context& ctx, const EventsFlags& f) {
  pb::ObsEventsRequest base;
  if (!f.since.empty()) {
    if (f.since.find('-') != std::string::npos && f.since.find(':') == std::string::npos &&
        std::count(f.since.begin(), f.since.end(), '-') == 3) {
      base.set_since_cursor(f.since);
    } else if (auto ago = parse_duration(f.since)) {
      base.set_since_ms(wall_now() - *ago);  // "10m": the last ten minutes
    } else if (auto t = parse_begin(f.since, wall_now())) {
      base.set_since_ms(*t);
    } else {
      return ctx.fail(kUsage, "--since: '" + f.since + "' is neither a cursor nor a time (10m, 2026-12-01T10:00, ...)");
    }
  } else if (f.follow) {
    base.set_since_ms(wall_now());  // from now on
  }
  auto client = ctx.client();
  bool warned = false;
  for (;;) {
    pb::Envelope req, reply;
    *req.mutable_obs_events() = base;
    req.mutable_obs_events()->set_wait(f.follow);
    wire::ClientError err;
    if (!client->call(req, reply, err)) {
      if (!f.follow || err.exit_code != kUnreachable) return ctx.fail(err.exit_code, err.message);
      // Following: the broker may be restarting; carry on from the cursor.
      if (!warned) std::cerr << "baton: " << err.message << "; retrying\n";
      warned = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      client = ctx.client();
      continue;
    }
    warned = false;
    if (!reply.has_obs_events_reply()) return ctx.fail(kUnreachable, "unexpected reply to events");
    const pb::ObsEventsReply& r = reply.obs_events_reply();
    for (const pb::ObsEvent& e : r.events()) std::cout << (f.json ? event_json(e) : event_line(e)) << '\n';
    std::cout.flush();
    if (!r.cursor().empty()) {
      base.clear_since_ms();
      base.set_since_cursor(r.cursor());
    }
    if (!f.follow && r.events_size() == 0) return kOk;
  }
}

}  // namespace

Runner install_events(CLI::App& sub, Context&) {
  auto f = std::make_shared<EventsFlags>();
  sub.add_flag("-f,--follow", f->follow, "Keep printing new events as they happen (survives broker restarts)");
  sub.add_flag("--json", f->json, "One JSON object per line (schema version 1, see baton-events(1))");
  sub.add_option("--since", f->since,
                 "Start after CURSOR (an event's \"cursor\"), or at a TIME (10m ago, 2026-12-01T10:00); "
                 "default: everything the journal holds, or from now with -f");
  sub.footer("Kinds: submitted, started, finished, job_finished, worker_joined, worker_lost, worker_drained,\n"
             "worker_resumed. Resuming from the last cursor printed misses nothing and repeats nothing.");
  return [f](Context& ctx) { return run_events(ctx, *f); };
}

}  // namespace baton::cli
