// `baton crontab FILE|-|-l|-e`: the user's recurring jobs as one crontab.
// Installing a table replaces the user's crontab entries as a whole (entries
// made with `baton cron add` are left alone); the broker checks every line
// first, and on any error changes nothing. -e edits a copy in $VISUAL or
// $EDITOR and installs it only if it is valid.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cmd/context.h"
#include "cmd/cron_spec.h"
#include "cmd/crontab_file.h"

namespace baton::cli {

namespace {

struct CrontabFlags {
  bool list = false, edit = false;
  std::string file;
};

Result<pb::CronRequest> table_request(const Context& ctx, const std::string& text, const std::string& source) {
  auto lines = parse_crontab(text, ctx.settings.boolean("scheduler.cron_seconds"));
  if (!lines) return Status::error(source + ": " + lines.error());
  pb::CronRequest req;
  req.set_op("crontab");
  std::vector<std::string> names;
  for (const CrontabLine& l : *lines) {
    std::vector<std::string> words = l.options;
    words.push_back("--wrap");
    words.push_back(l.command);
    auto e = cron_entry_from_words(words);
    if (!e) return Status::error(source + ":" + std::to_string(l.line) + ": " + e.error());
    const std::string& job_name = e->spec().name();
    e->set_name(job_name != "wrap" && !job_name.empty() ? job_name : default_entry_name(l.command, names));
    names.push_back(e->name());
    e->set_schedule(l.schedule);
    if (e->tz().empty()) e->set_tz(l.tz);
    e->set_command(l.command);
    e->clear_options();
    for (const auto& w : l.options) e->add_options(w);
    e->set_from_crontab(true);
    *req.add_table() = std::move(*e);
  }
  return req;
}

int send(Context& ctx, pb::CronRequest req, pb::CronReply& out) {
  req.mutable_entry()->set_uid(static_cast<std::uint32_t>(getuid()));
  if (req.mutable_entry()->user().empty()) {
    // The table may be empty: the broker still needs to know whose it is.
    auto probe = cron_entry_from_words({"--wrap", "true"});
    if (probe) req.mutable_entry()->set_user(probe->user());
  }
  pb::Envelope env, reply;
  *env.mutable_cron() = std::move(req);
  int code = 0;
  if (!ctx.call(env, reply, code)) return code;
  if (reply.has_reply() && !reply.reply().ok()) return ctx.fail(kRefused, reply.reply().error());
  out = reply.cron_reply();
  return kOk;
}

Result<std::string> current_table(Context& ctx, int& code) {
  pb::CronRequest req;
  req.set_op("list");
  pb::CronReply out;
  code = send(ctx, std::move(req), out);
  if (code != kOk) return Status::error("");
  std::vector<pb::CronEntry> mine;
  for (const auto& info : out.entries())
    if (info.entry().from_crontab()) mine.push_back(info.entry());
  return format_crontab(mine);
}

int install(Context& ctx, const std::string& text, const std::string& source) {
  auto req = table_request(ctx, text, source);
  if (!req) return ctx.fail(kUsage, req.error());
  pb::CronReply out;
  if (int rc = send(ctx, std::move(*req), out); rc != kOk) return rc;
  if (ctx.verbosity >= 0) std::cout << "Installed crontab: " << out.entries_size() << " entr" << (out.entries_size() == 1 ? "y" : "ies") << std::endl;
  return kOk;
}

int edit(Context& ctx) {
  int code = 0;
  auto text = current_table(ctx, code);
  if (!text) return code;
  const char* tmpdir = std::getenv("TMPDIR");
  std::string path = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/baton-crontab.XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) return ctx.fail(kRefused, "crontab -e: cannot make a temporary file in " + path);
  close(fd);
  { std::ofstream(path) << *text; }
  const char* editor = std::getenv("VISUAL");
  if (!editor || !*editor) editor = std::getenv("EDITOR");
  const std::string cmd = std::string(editor && *editor ? editor : "vi") + " '" + path + "'";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    unlink(path.c_str());
    return ctx.fail(kRefused, "crontab -e: the editor (" + cmd + ") failed; nothing changed");
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str() == *text) {
    unlink(path.c_str());
    if (ctx.verbosity >= 0) std::cout << "No changes made to the crontab" << std::endl;
    return kOk;
  }
  const int result = install(ctx, ss.str(), "crontab");
  if (result != kOk) {
    std::cerr << "baton: the crontab was not changed; your edit is kept in " << path << "\n";
    return result;
  }
  unlink(path.c_str());
  return kOk;
}

int run_crontab(Context& ctx, const CrontabFlags& f) {
  if (f.list + f.edit + !f.file.empty() != 1)
    return ctx.fail(kUsage, "crontab: give one of FILE (- for standard input), -l or -e");
  if (f.list) {
    int code = 0;
    auto text = current_table(ctx, code);
    if (!text) return code;
    std::cout << *text;
    return kOk;
  }
  if (f.edit) return edit(ctx);
  std::stringstream ss;
  if (f.file == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(f.file);
    if (!in) return ctx.fail(kUsage, "crontab: cannot read " + f.file);
    ss << in.rdbuf();
  }
  return install(ctx, ss.str(), f.file == "-" ? "stdin" : f.file);
}

}  // namespace

Runner install_crontab(CLI::App& sub, Context&) {
  auto f = std::make_shared<CrontabFlags>();
  sub.add_flag("-l,--list", f->list, "Print your crontab");
  sub.add_flag("-e,--edit", f->edit, "Edit your crontab in $VISUAL or $EDITOR; installed only if valid");
  sub.add_option("file", f->file, "Install this crontab (- reads standard input), replacing your crontab entries");
  sub.footer(
      "A crontab line: MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK COMMAND (or @daily COMMAND ...); the command\n"
      "runs with /bin/sh -c. #BATON lines above a line give its options (baton cron add's: -J NAME, -t, -c,\n"
      "--concurrency, --catch-up, --tz, ...); CRON_TZ=Area/City applies to the lines below it.\n"
      "Entries made with `baton cron add` are not part of the crontab. See baton-crontab(1).");
  return [f](Context& ctx) { return run_crontab(ctx, *f); };
}

}  // namespace baton::cli
