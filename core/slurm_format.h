// What the Slurm front-ends print, in Slurm's exact words: state names and
// squeue's compact codes, elapsed times and limits as squeue and sacct write
// them, and sacct's --format columns (Name[%W]) with its fixed-width,
// --parsable (trailing '|') and --parsable2 layouts. Tools parse these
// strings, so they are pinned by unit tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baton.pb.h"
#include "core/clock.h"
#include "core/status.h"

namespace baton {

// PENDING RUNNING COMPLETED FAILED CANCELLED TIMEOUT (never "CANCELLED by N").
const char* slurm_state(pb::TaskState s);
// PD R CD F CA TO.
const char* slurm_state_code(pb::TaskState s);
// A state name or compact code, any case; nullopt for anything else.
std::optional<pb::TaskState> parse_slurm_state(std::string_view text);

// squeue's TIME (%M) and TIME_LIMIT (%l): "0:00", "5:07", "1:02:03", "2-01:02:03".
std::string squeue_duration(TimeMs ms);
// sacct's Elapsed and Timelimit: "00:05:07", "2-01:02:03".
std::string sacct_duration(TimeMs ms);

// One sacct --format column.
struct SacctColumn {
  std::size_t field = 0;  // index into sacct_fields()
  int width = 0;          // 0: the field's default
  bool left = false;      // %-W
};

struct SacctField {
  const char* name;  // as sacct prints it in the header: "JobID"
  int width;         // default width in the fixed layout
};

// Every field sacct can show here, in a fixed order; a row carries one cell per field.
const std::vector<SacctField>& sacct_fields();
std::optional<std::size_t> sacct_field(std::string_view name);  // any case

// "JobID,State%20,jobname" (commas or blanks between fields). Errors name the field.
Result<std::vector<SacctColumn>> parse_sacct_format(std::string_view spec);

enum class SacctLayout { kFixed, kParsable, kParsable2 };

// The table: header (unless !header; the fixed layout adds a dash line),
// then one line per row. Fixed: right-justified in the column's width, cut
// with a '+' when longer. Parsable: `delimiter` between cells, and after the
// last with kParsable. Rows whose shown cells are all empty are left out.
std::string render_sacct(const std::vector<SacctColumn>& cols, const std::vector<std::vector<std::string>>& rows,
                         SacctLayout layout, bool header, const std::string& delimiter = "|");

}  // namespace baton
