// Settings::load_file: the only translation unit that includes toml++ (it is
// slow to compile).
#include <toml++/toml.h>

#include "cmd/settings.h"

namespace baton::cli {

namespace {

std::string where(const std::string& path, const toml::source_region& r) {
  return path + ":" + std::to_string(r.begin.line);
}

// A TOML value as the text Settings::set validates.
bool to_text(const toml::node& n, std::string& out) {
  if (auto s = n.as_string()) return out = s->get(), true;
  if (auto i = n.as_integer()) return out = std::to_string(i->get()), true;
  if (auto b = n.as_boolean()) return out = b->get() ? "true" : "false", true;
  if (auto a = n.as_array()) {
    out.clear();
    for (const auto& item : *a) {
      std::string t;
      if (!to_text(item, t) || item.is_array()) return false;
      out += (out.empty() ? "" : ",") + t;
    }
    return true;
  }
  if (auto t = n.as_table()) {
    // queue_limits = { gpu = 4 } -> "gpu=4"
    out.clear();
    for (const auto& [k, v] : *t) {
      std::string val;
      if (!to_text(v, val) || v.is_table() || v.is_array()) return false;
      out += (out.empty() ? "" : ",") + std::string(k.str()) + "=" + val;
    }
    return true;
  }
  return false;
}

}  // namespace

Status Settings::load_file(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::error(where(path, e.source()) + ": " + std::string(e.description()));
  }
  file_ = path;
  for (const auto& [section, node] : root) {
    const auto* table = node.as_table();
    if (!table)
      return Status::error(where(path, node.source()) + ": '" + std::string(section.str()) +
                           "' must be a section like [broker]");
    for (const auto& [name, value] : *table) {
      const std::string key = std::string(section.str()) + "." + std::string(name.str());
      const std::string at = where(path, value.source());
      if (!has(key)) return Status::error(at + ": unknown setting '" + key + "'");
      std::string text;
      if (!to_text(value, text)) return Status::error(at + ": " + key + ": unsupported value type");
      auto v = validate(items_.at(key), text);
      if (!v) return Status::error(at + ": " + key + ": " + v.error());
      items_.at(key).value = *v;
      items_.at(key).source = at;
    }
  }
  return Status::ok();
}

}  // namespace baton::cli
