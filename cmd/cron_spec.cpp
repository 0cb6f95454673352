// cron_entry_from_words (see cron_spec.h). The two-pass reading is submit's:
// pass 1 finds where the options end; pass 2 applies directives, then the
// environment, then the command line, the last value winning.
#include "cmd/cron_spec.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <sstream>

#include "cmd/submit_options.h"
#include "core/cron_table.h"
#include "core/directives.h"
#include "core/timefmt.h"

namespace baton::cli {

namespace {

struct CronOptions {
  std::string tz, concurrency, catch_up, starting_deadline, on_failure;
  std::int64_t history = -1;
  bool replace = false;
};

std::unique_ptr<CLI::App> cron_app(SubmitOptions& o, CronOptions& c) {
  auto app = submit_app(o);
  app->add_option("--tz", c.tz, "Time zone of the schedule, Area/City (default: the broker's)");
  app->add_option("--concurrency", c.concurrency, "allow|forbid|replace");
  app->add_option("--catch-up", c.catch_up, "none|last|all");
  app->add_option("--starting-deadline", c.starting_deadline, "Catch up only runs missed by at most this");
  app->add_option("--history", c.history, "Runs to keep in `cron show` (default 10)");
  app->add_option("--on-failure", c.on_failure, "Shell command run on the broker host when a run fails");
  app->add_flag("--replace", c.replace, "Replace an entry of the same name");
  return app;
}

Status parse_words(CLI::App& app, std::vector<std::string> words) {
  std::reverse(words.begin(), words.end());  // CLI11 parses a vector given in reverse order
  try {
    app.parse(words);
  } catch (const CLI::ParseError& e) {
    return Status::error(e.what());
  }
  return Status::ok();
}

Status apply(const CronOptions& c, pb::CronEntry& e) {
  e.set_tz(c.tz);
  if (!c.concurrency.empty()) {
    pb::CronConcurrency v;
    if (!parse_cron_concurrency(c.concurrency, v))
      return Status::error("--concurrency: expected allow, forbid or replace, got '" + c.concurrency + "'");
    e.set_concurrency(v);
  }
  if (!c.catch_up.empty()) {
    pb::CronCatchUp v;
    if (!parse_cron_catch_up(c.catch_up, v)) return Status::error("--catch-up: expected none, last or all, got '" + c.catch_up + "'");
    e.set_catch_up(v);
  }
  if (!c.starting_deadline.empty()) {
    auto d = parse_duration(c.starting_deadline);
    if (!d) return Status::error("--starting-deadline: " + d.error());
    e.set_starting_deadline_ms(*d);
  }
  if (c.history >= 0) {
    if (c.history > 1000) return Status::error("--history: at most 1000");
    e.set_history(static_cast<std::uint32_t>(c.history));
  }
  e.set_on_failure(c.on_failure);
  return Status::ok();
}

Result<std::string> read_script(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("cannot read script '" + path + "'; to run a command, put it after --: -- CMD ARGS (or use --wrap 'CMD')");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<pb::CronEntry> cron_entry_from_words(const std::vector<std::string>& words, bool* replace) {
  SubmitOptions first;
  CronOptions cfirst;
  auto app1 = cron_app(first, cfirst);
  if (auto st = parse_words(*app1, words); !st) return st;
  auto [cmdline, command, after_dashes] = split_command(*app1, words);
  std::string script;
  const bool script_mode = !after_dashes && !command.empty();
  std::vector<std::string> all;
  if (script_mode) {
    auto text = read_script(command[0]);
    if (!text) return text.status();
    script = std::move(*text);
    auto dirs = parse_directives(script);
    if (!dirs) return Status::error(command[0] + ": " + dirs.error());
    for (const Directive& d : *dirs) all.insert(all.end(), d.words.begin(), d.words.end());
  }
  SubmitOptions o;
  CronOptions c;
  auto app = cron_app(o, c);
  auto env_words = env_option_words(*app);
  all.insert(all.end(), env_words.begin(), env_words.end());
  all.insert(all.end(), cmdline.begin(), cmdline.end());
  if (auto st = parse_words(*app, all); !st) return st;
  if (!app->remaining().empty()) return Status::error("unexpected '" + app->remaining().front() + "'");
  if (command.empty() && o.wrap.empty()) return Status::error("nothing to run; give a command after --, a script file, or --wrap 'CMD'");
  if (o.wait || o.parsable || o.quiet_unless_failed)
    return Status::error("--wait, --parsable and --quiet-unless-failed do not apply to a recurring job");
  if (!o.each_line.empty())
    return Status::error("--each-line does not apply to a recurring job; let each run read the file (or submit it)");
  auto spec = build_spec(o, command, script_mode ? &script : nullptr);
  if (!spec) return spec.status();
  pb::CronEntry e;
  *e.mutable_spec() = std::move(*spec);
  e.set_user(e.spec().user());
  e.set_uid(e.spec().uid());
  if (Status st = apply(c, e); !st) return st;
  for (const auto& w : cmdline) e.add_options(w);
  if (replace) *replace = c.replace;
  return e;
}

}  // namespace baton::cli
