// `baton config` (effective settings and their sources) and `baton journal`
// (check or back up a journal file).
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <iostream>

#include "cmd/context.h"
#include "store/sqlite_journal.h"

namespace baton::cli {

namespace {

int run_config(Context& ctx) {
  std::string section;
  if (!ctx.settings.file().empty()) std::cout << "# config file: " << ctx.settings.file() << "\n";
  else std::cout << "# no config file (looked at $BATON_CONFIG, ~/.config/baton/baton.toml, /etc/baton/baton.toml)\n";
  for (const auto& [key, s] : ctx.settings.all()) {
    const std::string sec = key.substr(0, key.find('.'));
    if (sec != section) {
      std::cout << "\n[" << sec << "]\n";
      section = sec;
    }
    std::string value = s.value;
    const bool quoted = s.kind != Kind::Int && s.kind != Kind::Bool;
    if (s.kind == Kind::List) {
      std::string arr;
      std::size_t start = 0;
      while (start <= value.size() && !value.empty()) {
        auto c = value.find(',', start);
        arr += (arr.empty() ? "\"" : ", \"") + value.substr(start, c - start) + "\"";
        if (c == std::string::npos) break;
        start = c + 1;
      }
      value = "[" + arr + "]";
    } else if (quoted) {
      value = "\"" + value + "\"";
    }
    std::cout << key.substr(key.find('.') + 1) << " = " << value << "   # " << s.source;
    if (!s.env.empty()) std::cout << " (env " << s.env << ")";
    std::cout << "\n";
  }
  return kOk;
}

struct JournalFlags {
  std::vector<std::string> action;
  std::string path;
};

int run_journal(Context& ctx, const JournalFlags& f) {
  if (f.action.empty() || (f.action[0] != "check" && f.action[0] != "backup") ||
      (f.action[0] == "backup" && f.action.size() != 2) || (f.action[0] == "check" && f.action.size() > 2))
    return ctx.fail(kUsage, "journal: expected `journal check [FILE]` or `journal backup DEST`");
  if (f.action[0] == "check" && f.action.size() == 2 && !f.path.empty())
    return ctx.fail(kUsage, "journal check: give the file once (FILE or --journal)");
  const std::string path = f.action[0] == "check" && f.action.size() == 2 ? f.action[1]
                           : f.path.empty()                              ? ctx.settings.str("journal.path")
                                                                         : f.path;
  if (access(path.c_str(), F_OK) != 0)  // open() would create it
    return ctx.fail(kRefused, "journal " + path + " does not exist");
  JournalOptions jo;
  jo.path = path;
  auto j = SqliteJournal::open(jo);
  if (!j) return ctx.fail(kRefused, j.error());
  if (f.action[0] == "check") {
    if (auto s = (*j)->check(); !s) return ctx.fail(kRefused, s.message());
    std::cout << "journal " << path << ": ok (schema version " << (*j)->schema_version() << ")\n";
    return kOk;
  }
  if (auto s = (*j)->backup(f.action[1]); !s) return ctx.fail(kRefused, s.message());
  std::cout << "journal " << path << " copied to " << f.action[1] << "\n";
  return kOk;
}

}  // namespace

Runner install_config(CLI::App&, Context&) { return run_config; }

Runner install_journal(CLI::App& sub, Context&) {
  auto f = std::make_shared<JournalFlags>();
  sub.add_option("action", f->action, "check [FILE] | backup DEST");
  sub.add_option("--journal", f->path, "Journal file (default: journal.path)");
  sub.footer("check runs SQLite's integrity check and the journal's own invariants. backup writes a consistent\n"
             "copy, safe while the broker runs.");
  return [f](Context& ctx) { return run_journal(ctx, *f); };
}

}  // namespace baton::cli
