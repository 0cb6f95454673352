#include "core/slurm_format.h"

#include <charconv>

#include "core/slurm_options.h"

namespace baton {

const char* slurm_state(pb::TaskState s) {
  switch (s) {
    case pb::PENDING: return "PENDING";
    case pb::RUNNING: return "RUNNING";
    case pb::COMPLETED: return "COMPLETED";
    case pb::FAILED: return "FAILED";
    case pb::CANCELLED: return "CANCELLED";
    case pb::TIMEOUT: return "TIMEOUT";
    default: return "UNKNOWN";
  }
}

const char* slurm_state_code(pb::TaskState s) {
  switch (s) {
    case pb::PENDING: return "PD";
    case pb::RUNNING: return "R";
    case pb::COMPLETED: return "CD";
    case pb::FAILED: return "F";
    case pb::CANCELLED: return "CA";
    case pb::TIMEOUT: return "TO";
    default: return "UN";
  }
}

std::optional<pb::TaskState> parse_slurm_state(std::string_view text) {
  for (pb::TaskState s : {pb::PENDING, pb::RUNNING, pb::COMPLETED, pb::FAILED, pb::CANCELLED, pb::TIMEOUT})
    if (iequals(text, slurm_state(s)) || iequals(text, slurm_state_code(s))) return s;
  return std::nullopt;
}

namespace {

std::string two(std::int64_t n) { return (n < 10 ? "0" : "") + std::to_string(n); }

}  // namespace

std::string squeue_duration(TimeMs ms) {
  const std::int64_t s = ms < 0 ? 0 : ms / 1000;
  const std::int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  if (d > 0) return std::to_string(d) + "-" + two(h) + ":" + two(m) + ":" + two(sec);
  if (h > 0) return std::to_string(h) + ":" + two(m) + ":" + two(sec);
  return std::to_string(m) + ":" + two(sec);
}

std::string sacct_duration(TimeMs ms) {
  const std::int64_t s = ms < 0 ? 0 : ms / 1000;
  const std::int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  return (d > 0 ? std::to_string(d) + "-" : std::string()) + two(h) + ":" + two(m) + ":" + two(sec);
}

const std::vector<SacctField>& sacct_fields() {
  static const std::vector<SacctField> f = {
      {"JobID", 12},     {"JobIDRaw", 12},  {"JobName", 10},  {"State", 10},      {"ExitCode", 8},
      {"DerivedExitCode", 15}, {"Partition", 10}, {"Account", 10}, {"Cluster", 10}, {"QOS", 10},
      {"AllocCPUS", 10}, {"NCPUS", 10},     {"ReqCPUS", 8},   {"Elapsed", 10},    {"ElapsedRaw", 10},
      {"Start", 19},     {"End", 19},       {"Submit", 19},   {"Eligible", 19},   {"MaxRSS", 10},
      {"TotalCPU", 10},  {"CPUTime", 10},   {"Timelimit", 10}, {"User", 9},       {"UID", 6},
      {"NodeList", 15},  {"NNodes", 8},     {"NTasks", 8},    {"Reason", 20},     {"ReqMem", 10},
      {"WorkDir", 30},   {"Restarts", 8},   {"Priority", 10}, {"Comment", 15},    {"AllocNodes", 10},
      {"AllocTRES", 20}, {"ReqTRES", 20},   {"Flags", 10},    {"Group", 9},
  };
  return f;
}

std::optional<std::size_t> sacct_field(std::string_view name) {
  const auto& f = sacct_fields();
  for (std::size_t i = 0; i < f.size(); ++i)
    if (iequals(name, f[i].name)) return i;
  return std::nullopt;
}

Result<std::vector<SacctColumn>> parse_sacct_format(std::string_view spec) {
  std::vector<SacctColumn> cols;
  std::string flat(spec);
  for (char& c : flat)
    if (c == ' ' || c == '\t') c = ',';
  for (const std::string& item : split_list(flat)) {
    const auto pct = item.find('%');
    const std::string name = item.substr(0, pct);
    auto field = sacct_field(name);
    if (!field) return Status::error("Invalid field requested: \"" + name + "\"");
    SacctColumn c{*field, 0, false};
    if (pct != std::string::npos) {
      std::string w = item.substr(pct + 1);
      if (!w.empty() && w[0] == '-') c.left = true, w.erase(0, 1);
      int n = 0;
      auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
      if (ec != std::errc() || p != w.data() + w.size() || n <= 0)
        return Status::error("Invalid field width in \"" + item + "\"");
      c.width = n;
    }
    cols.push_back(c);
  }
  if (cols.empty()) return Status::error("no fields given to --format");
  return cols;
}

std::string render_sacct(const std::vector<SacctColumn>& cols, const std::vector<std::vector<std::string>>& rows,
                         SacctLayout layout, bool header, const std::string& delimiter) {
  const auto& fields = sacct_fields();
  std::string out;
  auto line = [&](auto cell_of) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      std::string cell = cell_of(i);
      if (layout == SacctLayout::kFixed) {
        const std::size_t w = static_cast<std::size_t>(cols[i].width ? cols[i].width : fields[cols[i].field].width);
        if (cell.size() > w) cell = cell.substr(0, w - 1) + "+";
        const std::string pad(w - cell.size(), ' ');
        out += cols[i].left ? cell + pad : pad + cell;
        out += ' ';
      } else {
        out += cell;
        if (i + 1 < cols.size() || layout == SacctLayout::kParsable) out += delimiter;
      }
    }
    out += '\n';
  };
  if (header) {
    line([&](std::size_t i) { return std::string(fields[cols[i].field].name); });
    if (layout == SacctLayout::kFixed)
      line([&](std::size_t i) {
        return std::string(static_cast<std::size_t>(cols[i].width ? cols[i].width : fields[cols[i].field].width), '-');
      });
  }
  for (const auto& row : rows) {
    bool any = false;
    for (const SacctColumn& c : cols) any = any || !row.at(c.field).empty();
    if (any) line([&](std::size_t i) { return row.at(cols[i].field); });
  }
  return out;
}

}  // namespace baton
