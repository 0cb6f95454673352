#include "cmd/output.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

namespace baton::cli {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using Json = nlohmann::ordered_json;  // keeps the .proto field order

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool blank(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

// Digits at `i` as a width (capped: a width is for a screen).
int read_width(std::string_view s, std::size_t& i) {
  int w = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) w = std::min(w * 10 + (s[i++] - '0'), 9999);
  return w;
}

Status unknown(const std::string& what, const std::vector<Field>& fields) {
  return Status::error("unknown field '" + what + "' (valid: " + describe_fields(fields) + ")");
}

Result<Format> parse_letters(std::string_view spec, const std::vector<Field>& fields) {
  Format f;
  std::string text;  // literal text since the last field
  auto flush = [&] {
    (f.columns.empty() ? f.lead : f.columns.back().after) = text;
    text.clear();
  };
  for (std::size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] != '%') {
      text += spec[i];
      continue;
    }
    const std::size_t start = i++;
    if (i < spec.size() && spec[i] == '%') {
      text += '%';
      continue;
    }
    Column c;
    if (i < spec.size() && (spec[i] == '.' || spec[i] == '-')) c.right = spec[i++] == '.';
    if (const int w = read_width(spec, i); w > 0) c.width = w;
    if (i >= spec.size()) return unknown(std::string(spec.substr(start)), fields);
    auto it = std::find_if(fields.begin(), fields.end(), [&](const Field& fd) { return fd.letter && fd.letter == spec[i]; });
    if (it == fields.end()) return unknown(std::string(spec.substr(start, i - start + 1)), fields);
    c.field = static_cast<std::size_t>(it - fields.begin());
    flush();
    f.columns.push_back(c);
  }
  flush();
  for (Column& c : f.columns)
    if (c.width == Column::kFit && !blank(c.after)) c.width = Column::kAsIs;
  return f;
}

Result<Format> parse_names(std::string_view spec, const std::vector<Field>& fields) {
  Format f;
  std::size_t i = 0;
  while (i < spec.size()) {
    const std::size_t end = std::min(spec.find_first_of(", \t", i), spec.size());
    const std::string item(spec.substr(i, end - i));
    i = end + 1;
    if (item.empty()) continue;
    const std::size_t colon = item.find(':');
    const std::string name = lower(item.substr(0, colon));
    auto it = std::find_if(fields.begin(), fields.end(), [&](const Field& fd) { return name == fd.name; });
    if (it == fields.end()) return unknown(item.substr(0, colon), fields);
    Column c;
    c.field = static_cast<std::size_t>(it - fields.begin());
    if (colon != std::string::npos) {  // name:[.]width
      std::size_t k = colon + 1;
      if (k < item.size() && item[k] == '.') {
        c.right = true;
        ++k;
      }
      if (const int w = read_width(item, k); w > 0) c.width = w;
      if (k != item.size()) return Status::error("bad width in '" + item + "' (expected NAME:WIDTH or NAME:.WIDTH)");
    }
    f.columns.push_back(c);
  }
  if (!f.columns.empty()) f.columns.back().after.clear();
  return f;
}

// The first `width` characters of `s` (UTF-8 aware).
std::string cut(const std::string& s, std::size_t width) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (n++ == width) return s.substr(0, i);
  }
  return s;
}

// The one place escape codes are written.
std::string paint(const std::string& text, const char* sgr) {
  if (text.empty()) return text;
  return std::string("\033[") + sgr + "m" + text + "\033[0m";
}

constexpr const char* kBold = "1";

// ---------------------------------------------------------------- JSON

// int64 fields that are points in time (ms since the epoch): printed as
// "<name>_time", an ISO-8601 UTC string, null when 0.
bool is_time_field(const std::string& name) {
  return name == "submit_ms" || name == "start_ms" || name == "end_ms" || name == "last_seen_ms" || name == "begin_ms";
}

std::string base64(const std::string& in) {
  static const char* const kDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += kDigits[(v >> 18) & 63];
    out += kDigits[(v >> 12) & 63];
    out += i + 1 < in.size() ? kDigits[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kDigits[v & 63] : '=';
  }
  return out;
}

Json object_of(const Message& m);

// Field `f` of `m`: element `i` when repeated.
Json value_of(const Message& m, const FieldDescriptor* f, int i) {
  const auto* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: return rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f);
    case FieldDescriptor::CPPTYPE_INT64: return rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f);
    case FieldDescriptor::CPPTYPE_UINT32: return rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f);
    case FieldDescriptor::CPPTYPE_UINT64: return rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f);
    case FieldDescriptor::CPPTYPE_DOUBLE: return rep ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f);
    case FieldDescriptor::CPPTYPE_FLOAT: return rep ? r->GetRepeatedFloat(m, f, i) : r->GetFloat(m, f);
    case FieldDescriptor::CPPTYPE_BOOL: return rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f);
    case FieldDescriptor::CPPTYPE_ENUM: return (rep ? r->GetRepeatedEnum(m, f, i) : r->GetEnum(m, f))->name();
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string s = rep ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
      return f->type() == FieldDescriptor::TYPE_BYTES ? base64(s) : s;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: return object_of(rep ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f));
  }
  return nullptr;
}

// Appends the fields of `m` to the object `o`.
void add_fields(const Message& m, Json& o) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  for (int k = 0; k < d->field_count(); ++k) {
    const FieldDescriptor* f = d->field(k);
    if (f->is_map()) {  // entries sorted by key, as protobuf prints them
      std::vector<std::pair<std::string, Json>> entries;
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        const Message& e = r->GetRepeatedMessage(m, f, i);
        const Json key = value_of(e, e.GetDescriptor()->map_key(), -1);
        entries.emplace_back(key.is_string() ? key.get<std::string>() : key.dump(),
                             value_of(e, e.GetDescriptor()->map_value(), -1));
      }
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      Json& map = o[f->name()] = Json::object();
      for (auto& [key, value] : entries) map[key] = std::move(value);
    } else if (f->is_repeated()) {
      Json& list = o[f->name()] = Json::array();
      for (int i = 0; i < r->FieldSize(m, f); ++i) list.push_back(value_of(m, f, i));
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (r->HasField(m, f)) o[f->name()] = object_of(r->GetMessage(m, f));  // e.g. a job's spec: when sent
    } else if (f->has_presence() && !r->HasField(m, f)) {
      o[f->name()] = nullptr;  // an optional field left unset
    } else if (is_time_field(f->name())) {
      const TimeMs ms = r->GetInt64(m, f);
      o[f->name().substr(0, f->name().size() - 3) + "_time"] = ms ? Json(format_utc(ms)) : Json(nullptr);
    } else {
      o[f->name()] = value_of(m, f, -1);
    }
  }
}

Json object_of(const Message& m) {
  Json o = Json::object();
  add_fields(m, o);
  return o;
}

}  // namespace

Result<Format> parse_format(std::string_view spec, const std::vector<Field>& fields) {
  Result<Format> f = spec.find('%') != std::string_view::npos ? parse_letters(spec, fields) : parse_names(spec, fields);
  if (f && f->columns.empty()) return Status::error("no fields in '" + std::string(spec) + "' (valid: " + describe_fields(fields) + ")");
  return f;
}

std::string describe_fields(const std::vector<Field>& fields, std::size_t wrap) {
  std::string out;
  std::size_t line = 0;  // where the current line starts
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::string item = fields[i].letter ? std::string("%") + fields[i].letter + " " + fields[i].name : fields[i].name;
    if (i + 1 < fields.size()) item += ",";
    if (wrap && i > 0 && out.size() - line + 1 + item.size() > wrap) {
      out += "\n";
      line = out.size();
    } else if (i > 0) {
      out += " ";
    }
    out += item;
  }
  return out;
}

void Table::add(const std::vector<std::string>& row) {
  std::vector<std::string> cells;
  cells.reserve(format_.columns.size());
  for (const Column& c : format_.columns) cells.push_back(c.field < row.size() ? row[c.field] : std::string());
  rows_.push_back(std::move(cells));
}

std::string Table::render(bool header, bool colour) const {
  const std::vector<Column>& cols = format_.columns;
  std::vector<std::string> headers;
  for (const Column& c : cols) headers.push_back(fields_[c.field].header);
  std::vector<std::size_t> width(cols.size(), 0);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (cols[i].width > 0) {
      width[i] = static_cast<std::size_t>(cols[i].width);
    } else if (cols[i].width == Column::kFit) {
      if (header) width[i] = visible_width(headers[i]);
      for (const auto& r : rows_) width[i] = std::max(width[i], visible_width(r[i]));
    }
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells, bool is_header) {
    out += format_.lead;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const Column& c = cols[i];
      std::string text = c.width > 0 ? cut(cells[i], width[i]) : cells[i];
      const bool ragged = i + 1 == cols.size() && c.after.empty() && !c.right;  // nothing follows: no padding
      const std::size_t vis = visible_width(text);
      const std::size_t pad = c.width == Column::kAsIs || ragged || vis >= width[i] ? 0 : width[i] - vis;
      if (colour) text = is_header ? paint(text, kBold) : fields_[c.field].state ? paint_state(text, true) : text;
      if (c.right) out.append(pad, ' ');
      out += text;
      if (!c.right) out.append(pad, ' ');
      out += c.after;
    }
    out += '\n';
  };
  if (header) line(headers, true);
  for (const auto& r : rows_) line(r, false);
  return out;
}

bool colour_wanted(bool terminal, const char* no_color) { return terminal && (!no_color || !*no_color); }

bool use_colour() { return colour_wanted(isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR")); }

std::string paint_state(const std::string& state, bool colour) {
  if (!colour) return state;
  static const std::pair<const char*, const char*> kColours[] = {
      {"PENDING", "33"}, {"PD", "33"}, {"RUNNING", "32"}, {"R", "32"},   {"COMPLETED", "2"}, {"CD", "2"},
      {"FAILED", "31"},  {"F", "31"},  {"TIMEOUT", "31"}, {"TO", "31"}, {"OUT_OF_MEMORY", "31"}, {"OOM", "31"},  {"CANCELLED", "35"}, {"CA", "35"},
      {"idle", "32"},    {"mixed", "36"}, {"busy", "33"}, {"draining", "35"}, {"lost", "31"},
  };
  for (const auto& [name, sgr] : kColours)
    if (state == name) return paint(state, sgr);
  return state;
}

std::size_t visible_width(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\033') {  // CSI: ESC [ parameters final-byte; else ESC and one byte
      if (i + 1 < s.size() && s[i + 1] == '[') {
        i += 2;
        while (i < s.size() && !(s[i] >= 0x40 && s[i] <= 0x7E)) ++i;
      } else {
        ++i;
      }
      continue;
    }
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++n;  // not a UTF-8 continuation byte
  }
  return n;
}

std::string to_json(const Message& m) {
  Json o = Json::object();
  o["version"] = 1;
  add_fields(m, o);
  return o.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string format_utc(TimeMs ms) {
  const std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::string compress(const std::vector<std::uint32_t>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size();) {
    std::size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (!s.empty()) s += ',';
    s += std::to_string(v[i]);
    if (j > i) s += "-" + std::to_string(v[j]);
    i = j + 1;
  }
  return s;
}

TimeMs wall_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace baton::cli
