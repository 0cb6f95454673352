// Every configuration key baton knows, its default, and where its effective
// value came from. Precedence: flag > environment > file > default
// (DESIGN.md section 6). Values are validated when set, so a bad file value
// is reported with its file:line, and a bad flag or variable by name.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace baton::cli {

enum class Kind { String, Int, Bool, Duration, List, Endpoint, Choice, Size };

struct Setting {
  std::string key;        // "section.name"
  Kind kind = Kind::String;
  std::string value;      // canonical text; lists are comma-joined
  std::string env;        // environment variable that sets it, if any
  std::string source = "default";
  std::string help;
  std::vector<std::string> choices;  // for Kind::Choice
};

class Settings {
 public:
  // All keys with their built-in defaults. Defaults that depend on the host
  // (paths, endpoints) are computed here.
  static Settings defaults();

  // TOML file: unknown sections or keys and bad values are errors naming file:line.
  Status load_file(const std::string& path);
  // Variables named by each setting's `env`.
  Status load_env();
  // A command-line value (`what` names the flag in errors).
  Status set(const std::string& key, const std::string& value, const std::string& what);
  // "section.key=value" from --set.
  Status set_assignment(const std::string& text);

  bool has(const std::string& key) const { return items_.count(key) > 0; }
  const std::string& str(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;
  bool boolean(const std::string& key) const;
  TimeMs duration(const std::string& key) const;
  std::vector<std::string> list(const std::string& key) const;
  const Setting& at(const std::string& key) const { return items_.at(key); }
  const std::map<std::string, Setting>& all() const { return items_; }
  const std::string& file() const { return file_; }

  // Validates `value` for the key's kind; returns the canonical form.
  Result<std::string> validate(const Setting& s, const std::string& value) const;

 private:
  void add(std::string key, Kind kind, std::string value, std::string env, std::string help,
           std::vector<std::string> choices = {});
  std::map<std::string, Setting> items_;
  std::string file_;
};

// First existing of: $BATON_CONFIG, ~/.config/baton/baton.toml, /etc/baton/baton.toml.
// Empty when none exists.
std::string find_config_file();

// Default journal path: $XDG_STATE_HOME/baton/journal.db or ~/.local/state/baton/journal.db
// (or the old ~/.local/share/baton/journal.db when only that one exists).
std::string default_journal_path();

}  // namespace baton::cli
