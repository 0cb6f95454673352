// `baton cron`: recurring jobs kept by the broker. add / list / show /
// pause / resume / remove / run / update. Each run is an ordinary job named
// NAME@2026-12-05T08:00. `baton crontab` (crontab_cmd.cpp) edits many at once.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cmd/context.h"
#include "cmd/cron_spec.h"
#include "cmd/cron_view.h"
#include "cmd/output.h"
#include "core/cron_table.h"
#include "core/job.h"
#include "core/timefmt.h"

namespace baton::cli {

namespace {

constexpr const char* kUsageText =
    "usage: baton cron add NAME 'SCHEDULE' [submit options] [cron options] -- CMD [ARGS...]\n"
    "       baton cron add NAME 'SCHEDULE' [options] SCRIPT [ARGS...] | --wrap 'CMD'\n"
    "       baton cron list [--json] [--noheader]\n"
    "       baton cron show NAME [--json]\n"
    "       baton cron pause|resume|remove|run NAME\n"
    "       baton cron update NAME key=value...";

int request(Context& ctx, pb::CronRequest req, pb::CronReply& out) {
  pb::Envelope env, reply;
  req.mutable_entry()->set_uid(static_cast<std::uint32_t>(getuid()));
  *env.mutable_cron() = std::move(req);
  int code = 0;
  if (!ctx.call(env, reply, code)) return code;
  if (reply.has_reply() && !reply.reply().ok()) return ctx.fail(reply.reply().code() ? reply.reply().code() : kRefused, reply.reply().error());
  out = reply.cron_reply();
  return kOk;
}

int cron_add(Context& ctx, const std::vector<std::string>& words) {
  if (words.size() < 3) return ctx.fail(kUsage, std::string("cron add: needs NAME and 'SCHEDULE'\n") + kUsageText);
  bool replace = false;
  auto e = cron_entry_from_words({words.begin() + 3, words.end()}, &replace);
  if (!e) return ctx.fail(kUsage, "cron add: " + e.error());
  e->set_name(words[1]);
  e->set_schedule(words[2]);
  pb::CronRequest req;
  req.set_op("add");
  req.set_replace(replace);
  *req.mutable_entry() = std::move(*e);
  pb::CronReply out;
  if (int rc = request(ctx, std::move(req), out); rc != kOk) return rc;
  if (ctx.verbosity >= 0 && out.entries_size() == 1) {
    const pb::CronInfo& info = out.entries(0);
    std::cout << "Added cron entry " << info.entry().name() << "; next run "
              << (info.next_ms() ? format_local_time(info.next_ms()) : std::string("never")) << std::endl;
  }
  return kOk;
}

int cron_list(Context& ctx, const std::vector<std::string>& words) {
  bool json = false, noheader = false;
  for (std::size_t i = 1; i < words.size(); ++i) {
    if (words[i] == "--json") json = true;
    else if (words[i] == "--noheader") noheader = true;
    else return ctx.fail(kUsage, "cron list: unknown option '" + words[i] + "'");
  }
  pb::CronRequest req;
  req.set_op("list");
  pb::CronReply out;
  if (int rc = request(ctx, std::move(req), out); rc != kOk) return rc;
  if (json) std::cout << to_json(out) << "\n";
  else std::cout << cron_table(out, !noheader, use_colour());
  return kOk;
}

int cron_one(Context& ctx, const std::string& op, const std::vector<std::string>& words) {
  bool json = false;
  std::vector<std::string> rest;
  for (std::size_t i = 1; i < words.size(); ++i) {
    if (words[i] == "--json" && op == "show") json = true;
    else rest.push_back(words[i]);
  }
  if (rest.empty()) return ctx.fail(kUsage, "cron " + op + ": needs the entry's NAME");
  pb::CronRequest req;
  req.set_op(op);
  req.set_name(rest[0]);
  if (op == "update") {
    if (rest.size() < 2) return ctx.fail(kUsage, "cron update: needs key=value (schedule, tz, concurrency, catch-up, "
                                                 "starting-deadline, history, on-failure)");
    for (std::size_t i = 1; i < rest.size(); ++i) {
      const auto eq = rest[i].find('=');
      if (eq == std::string::npos || eq == 0) return ctx.fail(kUsage, "cron update: expected key=value, got '" + rest[i] + "'");
      (*req.mutable_fields())[rest[i].substr(0, eq)] = rest[i].substr(eq + 1);
    }
  } else if (rest.size() > 1) {
    return ctx.fail(kUsage, "cron " + op + ": unexpected '" + rest[1] + "'");
  }
  pb::CronReply out;
  if (int rc = request(ctx, std::move(req), out); rc != kOk) return rc;
  if (op == "show") {
    if (json) std::cout << to_json(out) << "\n";
    else if (out.entries_size() == 1) std::cout << cron_details(out.entries(0));
  } else if (op == "run") {
    if (ctx.verbosity >= 0) std::cout << "Submitted job " << out.job_id() << std::endl;
  } else if (ctx.verbosity >= 0) {
    for (const auto& m : out.messages()) std::cout << m << "\n";
    if (op == "pause" || op == "resume" || op == "update") {
      const pb::CronInfo& info = out.entries(0);
      std::cout << "Cron entry " << info.entry().name() << ": "
                << (info.entry().paused() ? std::string("paused")
                                          : "next run " + (info.next_ms() ? format_local_time(info.next_ms()) : std::string("never")))
                << std::endl;
    }
  }
  return kOk;
}

int run_cron(Context& ctx) {
  std::vector<std::string> words;
  bool seen = false;
  for (const auto& a : ctx.args) {
    if (seen) words.push_back(a);
    else if (a == "cron") seen = true;
  }
  if (words.empty()) return ctx.fail(kUsage, std::string("cron: which? add, list, show, pause, resume, remove, run or update\n") + kUsageText);
  const std::string& op = words[0];
  if (op == "add") return cron_add(ctx, words);
  if (op == "list" || op == "ls") return cron_list(ctx, words);
  if (op == "show" || op == "pause" || op == "resume" || op == "remove" || op == "run" || op == "update")
    return cron_one(ctx, op, words);
  return ctx.fail(kUsage, "cron: unknown command '" + op + "'\n" + kUsageText);
}

}  // namespace

Runner install_cron(CLI::App& sub, Context&) {
  static std::vector<std::string> rest;
  sub.add_option("args", rest, "add|list|show|pause|resume|remove|run|update ...");
  // run_cron reads the words itself, from the raw command line: the parser
  // only has to let them all through.
  sub.fallthrough(false);
  sub.allow_extras();
  sub.footer(std::string(kUsageText) +
             "\n\nSCHEDULE: five cron fields, minute hour day-of-month month day-of-week (*, 1-5, */15, 1,3,\n"
             "names mon-fri and jan-dec), or @hourly @daily @weekly @monthly @yearly; in the broker's time zone\n"
             "unless --tz Area/City. Submit options are baton submit's. Cron options:\n"
             "  --tz ZONE                  time zone of the schedule\n"
             "  --concurrency allow|forbid|replace   a run due while the last is active: start it anyway,\n"
             "                             skip it (recorded), or cancel the active one (default allow)\n"
             "  --catch-up none|last|all   runs missed while the broker was down or the entry paused\n"
             "                             (default none)\n"
             "  --starting-deadline DUR    catch up only runs missed by at most DUR\n"
             "  --history N                runs `cron show` keeps (default 10)\n"
             "  --on-failure 'CMD'         run on the broker host when a run fails (admins)\n"
             "  --replace                  replace an entry of the same name\n"
             "update keys: schedule tz concurrency catch-up starting-deadline history on-failure.\n"
             "Runs see BATON_CRON_NAME and BATON_CRON_SCHEDULED_TIME. See baton-cron(1).");
  return run_cron;
}

}  // namespace baton::cli
