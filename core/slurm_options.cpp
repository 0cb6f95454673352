#include "core/slurm_options.h"

#include <cctype>

namespace baton {

std::vector<std::string> split_list(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return ascii_lower(a) == ascii_lower(b); }

namespace {

// The table entry for a long name: exact match, else the only one it is a prefix of.
Result<const SlurmOption*> find_long(std::string_view name, const std::vector<SlurmOption>& table) {
  const SlurmOption* found = nullptr;
  int prefixes = 0;
  for (const SlurmOption& o : table) {
    if (!o.long_name) continue;
    const std::string_view l = o.long_name;
    if (l == name) return &o;
    if (l.substr(0, name.size()) == name) {
      if (!found || found->id != o.id) ++prefixes;
      found = &o;
    }
  }
  if (prefixes == 1) return found;
  if (prefixes > 1) return Status::error("option '--" + std::string(name) + "' is ambiguous");
  return Status::error("unrecognized option '--" + std::string(name) + "'");
}

const SlurmOption* find_short(char c, const std::vector<SlurmOption>& table) {
  for (const SlurmOption& o : table)
    if (o.short_name == c) return &o;
  return nullptr;
}

}  // namespace

Result<SlurmParse> parse_slurm_options(const std::vector<std::string>& words, const std::vector<SlurmOption>& table,
                                       bool permute) {
  SlurmParse out;
  std::size_t i = 0;
  for (; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--") {
      ++i;
      break;
    }
    if (w.size() < 2 || w[0] != '-') {
      if (!permute) break;
      out.operands.push_back(w);
      continue;
    }
    if (w[1] == '-') {
      const auto eq = w.find('=');
      const std::string name = w.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      auto o = find_long(name, table);
      if (!o) return o.status();
      SlurmWord sw{(*o)->id, "--" + std::string((*o)->long_name), (*o)->long_name, std::nullopt};
      if (eq != std::string::npos) {
        if ((*o)->arg == SlurmArg::kNone) return Status::error("option '" + sw.name + "' doesn't allow an argument");
        sw.value = w.substr(eq + 1);
      } else if ((*o)->arg == SlurmArg::kRequired) {
        if (i + 1 >= words.size()) return Status::error("option '" + sw.name + "' requires an argument");
        sw.value = words[++i];
      }
      out.options.push_back(std::move(sw));
      continue;
    }
    // Short options, maybe bundled: -Hv, -n1, -n 1.
    for (std::size_t k = 1; k < w.size(); ++k) {
      const SlurmOption* o = find_short(w[k], table);
      if (!o) return Status::error(std::string("invalid option -- '") + w[k] + "'");
      SlurmWord sw{o->id, std::string("-") + w[k], o->long_name ? o->long_name : "", std::nullopt};
      if (o->arg != SlurmArg::kNone) {
        if (k + 1 < w.size()) {
          sw.value = w.substr(k + 1);
        } else if (o->arg == SlurmArg::kRequired) {
          if (i + 1 >= words.size()) return Status::error(std::string("option requires an argument -- '") + w[k] + "'");
          sw.value = words[++i];
        }
        out.options.push_back(std::move(sw));
        break;
      }
      out.options.push_back(std::move(sw));
    }
  }
  out.end = i;
  for (; i < words.size(); ++i) out.operands.push_back(words[i]);
  return out;
}

}  // namespace baton
