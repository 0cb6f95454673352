// Reading and writing crontab text (see crontab_file.h).
#include "cmd/crontab_file.h"

#include <algorithm>
#include <cctype>

#include "core/directives.h"

namespace baton::cli {

namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

bool schedule_like(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '*' || c == '/' || c == ',' || c == '-'; });
}

std::string quote(const std::string& w) {
  if (!w.empty() && w.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~") == std::string::npos) return w;
  std::string out = "'";
  for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

Result<std::vector<CrontabLine>> parse_crontab(std::string_view text, bool allow_seconds) {
  std::vector<CrontabLine> out;
  std::vector<std::string> pending;
  std::string tz;
  int n = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++n;
    auto fail = [&](const std::string& why) { return Status::error("line " + std::to_string(n) + ": " + why); };
    if (line.empty()) {
      if (nl == text.size()) break;
      continue;
    }
    if (line.rfind("#BATON", 0) == 0) {
      auto words = split_words(std::string_view(line).substr(6));
      if (!words) return fail(words.error());
      pending.insert(pending.end(), words->begin(), words->end());
    } else if (line[0] == '#') {
      // a comment
    } else if (line.rfind("CRON_TZ=", 0) == 0) {
      tz = trim(std::string_view(line).substr(8));
    } else if (std::isalpha(static_cast<unsigned char>(line[0])) && line.find('=') != std::string::npos &&
               line.find('=') < line.find_first_of(" \t")) {
      return fail("environment lines other than CRON_TZ= are not supported; use #BATON --env VAR=VALUE above the entry");
    } else {
      // The fields, then the command: the rest of the line as written.
      std::vector<std::pair<std::size_t, std::size_t>> spans;  // word start, end
      std::size_t i = 0;
      while (i < line.size() && spans.size() < 7) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        const std::size_t s = i;
        while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        if (i > s) spans.emplace_back(s, i);
      }
      std::size_t nfields = line[0] == '@' ? 1 : 5;
      if (nfields == 5 && allow_seconds && spans.size() >= 7 &&
          schedule_like(std::string_view(line).substr(spans[5].first, spans[5].second - spans[5].first)))
        nfields = 6;
      if (spans.size() <= nfields)
        return fail(nfields == 1 ? "expected @SCHEDULE COMMAND" : "expected five schedule fields and a command");
      CrontabLine e;
      e.line = n;
      e.schedule = line.substr(0, spans[nfields - 1].second);
      e.command = trim(std::string_view(line).substr(spans[nfields - 1].second));
      e.tz = tz;
      e.options = std::move(pending);
      pending.clear();
      out.push_back(std::move(e));
    }
    if (nl == text.size()) break;
  }
  if (!pending.empty()) return Status::error("line " + std::to_string(n) + ": #BATON lines at the end, with no entry after them");
  return out;
}

std::string format_crontab(const std::vector<pb::CronEntry>& entries) {
  std::string out = "# baton crontab: one entry a line, `#BATON` lines above it give its options.\n"
                    "# MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK COMMAND (see baton-crontab(1))\n";
  std::string tz;
  for (const pb::CronEntry& e : entries) {
    out += "\n";
    if (e.tz() != tz) {
      out += "CRON_TZ=" + e.tz() + "\n";
      tz = e.tz();
    }
    std::string opts;
    for (const auto& w : e.options()) opts += " " + quote(w);
    if (!opts.empty()) out += "#BATON" + opts + "\n";
    out += e.schedule() + " " + e.command() + "\n";
  }
  return out;
}

std::string default_entry_name(const std::string& command, const std::vector<std::string>& taken) {
  std::string first = command.substr(0, command.find_first_of(" \t"));
  first = first.substr(first.find_last_of('/') == std::string::npos ? 0 : first.find_last_of('/') + 1);
  std::string name;
  for (char c : first)
    name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ? c : '_';
  if (name.empty()) name = "entry";
  if (name.size() > 56) name.resize(56);
  std::string candidate = name;
  for (int k = 2; std::find(taken.begin(), taken.end(), candidate) != taken.end(); ++k)
    candidate = name + "-" + std::to_string(k);
  return candidate;
}

}  // namespace baton::cli
