// Output shared by client commands: tables for people (fields picked with
// --format, the STATE column coloured on a terminal) and versioned JSON for
// scripts. This is the only file that decides on colour or writes escape codes.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace baton::cli {

// A field a command can show. Each command lists its fields once; its rows
// carry one cell per field, in that order.
struct Field {
  char letter;         // squeue's %-letter; 0: by name only
  const char* name;    // the --format name, lower case
  const char* header;  // the column header
  bool state = false;  // a state: painted by its value on a terminal
};

// One column of a table: which field, how wide, and the text after it.
struct Column {
  static constexpr int kFit = -1;  // as wide as its widest cell
  static constexpr int kAsIs = 0;  // never padded (a script's separator follows)
  std::size_t field = 0;           // index into the command's fields
  int width = kFit;                // > 0: padded or cut to this many characters
  bool right = false;              // right-justified ('.' in squeue's %.10i)
  std::string after = "  ";        // printed after the cell
};

struct Format {
  std::string lead;  // printed before the first column
  std::vector<Column> columns;
};

// A --format value, either squeue's "%i %.10j %-8T|%M" (%[.|-][width]letter;
// text between fields is printed as written; a field without a width is as
// wide as its widest cell when blanks follow it, else unpadded; %% is a '%')
// or names "jobid,name:.10,state" (any case; :[.]width; two blanks between).
// Errors name the bad field and list the valid ones.
Result<Format> parse_format(std::string_view spec, const std::vector<Field>& fields);

// The --format help text: "%i jobid, %j name, ..., exitcode", lines broken
// before `wrap` characters (0: one line).
std::string describe_fields(const std::vector<Field>& fields, std::size_t wrap = 0);

class Table {
 public:
  Table(std::vector<Field> fields, Format format) : fields_(std::move(fields)), format_(std::move(format)) {}
  // `row` has one cell per field; only the format's columns are kept.
  void add(const std::vector<std::string>& row);
  std::size_t size() const { return rows_.size(); }
  // Widths count characters people see (UTF-8, escape codes excluded). With
  // colour, headers are bold and state cells painted; padding is unchanged.
  std::string render(bool header, bool colour) const;

 private:
  const std::vector<Field> fields_;
  const Format format_;
  std::vector<std::vector<std::string>> rows_;
};

// Colour only on a terminal, and never when NO_COLOR is set and not empty
// (https://no-color.org). use_colour() asks for stdout.
bool colour_wanted(bool terminal, const char* no_color);
bool use_colour();

// `state` (a job state PENDING/PD, RUNNING/R, ..., or a worker state idle,
// mixed, busy, draining, lost) in its colour; unchanged without colour.
std::string paint_state(const std::string& state, bool colour);

// Characters a terminal shows for `s`: UTF-8 code points, escape sequences excluded.
std::size_t visible_width(std::string_view s);

// The JSON scripts read (schema and stability promise: baton-status(1), JSON
// OUTPUT): {"version":1, then the message's fields}: snake_case names in
// .proto order, every field present, enums by name, 64-bit integers as
// numbers, points in time (*_ms fields submit, start, end, last_seen, begin)
// renamed *_time and given as UTC "2026-11-25T14:03:07.123Z", or null when
// unset. A job's spec appears only when the message carries one.
std::string to_json(const google::protobuf::Message& m);

// "2026-11-25T14:03:07.123Z".
std::string format_utc(TimeMs ms);

// Sorted indices as "1-3,5,7-9".
std::string compress(const std::vector<std::uint32_t>& sorted);

TimeMs wall_now();

}  // namespace baton::cli
