// ZoneFiles: TZif files from /usr/share/zoneinfo (see zone_files.h).
#include "cmd/zone_files.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace baton::cli {

namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

bool safe_name(const std::string& n) {
  if (n.empty() || n[0] == '/' || n.find("..") != std::string::npos) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+')) return false;
  return true;
}

}  // namespace

Result<ZoneRules> ZoneFiles::load(const std::string& name) {
  if (auto it = cache_.find(name); it != cache_.end()) return it->second;
  std::string bytes;
  Result<ZoneRules> rules = Status::error("unknown time zone '" + name + "'");
  if (name.empty()) {
    std::string tz = std::getenv("TZ") ? std::getenv("TZ") : "";
    if (!tz.empty() && tz[0] == ':') tz.erase(0, 1);
    if (tz.empty()) {
      rules = read_file("/etc/localtime", bytes) ? ZoneRules::from_tzif(bytes) : Result<ZoneRules>(ZoneRules());
    } else if (read_file(tz[0] == '/' ? tz : dir_ + "/" + tz, bytes)) {
      rules = ZoneRules::from_tzif(bytes);
    } else {
      rules = ZoneRules::from_posix(tz);
    }
    if (!rules) rules = ZoneRules();  // the local zone is unreadable: UTC, as the C library does
  } else if (name == "UTC") {
    rules = ZoneRules();
  } else if (safe_name(name) && read_file(dir_ + "/" + name, bytes)) {
    rules = ZoneRules::from_tzif(bytes);
    if (!rules) rules = Status::error("time zone '" + name + "': " + rules.error());
  } else {
    rules = Status::error("unknown time zone '" + name + "' (no " + dir_ + "/" + name + "; names look like Europe/Berlin)");
  }
  if (!rules) return rules;
  rules->set_name(name);
  cache_.emplace(name, *rules);
  return rules;
}

}  // namespace baton::cli
