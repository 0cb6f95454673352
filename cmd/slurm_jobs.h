// Jobs as the Slurm front-ends list them: one row per job or array task
// (pending array tasks collapsed to 42_[5-9%2] unless expanded), read with
// the status request (active and recently ended jobs the broker holds) and,
// for sacct, the history request (ended jobs in the journal).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cmd/output.h"
#include "cmd/slurm.h"

namespace baton::cli {

struct SlurmRow {
  const pb::JobInfo* job = nullptr;
  std::string id;               // 42, 42_7, 42_[5-9%2]
  std::optional<std::uint32_t> index;  // one array task
  pb::TaskState state = pb::PENDING;
  std::string reason;           // why pending, or why it failed
  std::string worker;
  std::int32_t exit_code = 0, signal = 0;
  TimeMs start_ms = 0, end_ms = 0;
  std::uint64_t max_rss_kb = 0, cpu_ms = 0;
  std::uint32_t attempt = 0;

  bool active() const { return state == pb::PENDING || state == pb::RUNNING; }
  std::uint32_t cpus() const;          // 1 when unknown
  std::string exit_field() const;      // "0:0", "1:0", "0:9"
  TimeMs elapsed(TimeMs now) const;
};

struct SlurmQuery {
  bool ended = false;     // also jobs that have ended (squeue -t all, sacct)
  bool journal = false;   // also ended jobs only the journal has (sacct)
  bool specs = false;     // each job's spec (cpus, files)
  bool expand = false;    // one row per pending array task
  std::set<std::uint64_t> ids;  // only these jobs (empty: all)
  TimeMs since_ms = 0, until_ms = 0;  // journal rows: ended in [since, until)
};

class SlurmJobs {
 public:
  // False (error printed, `code` set) when the broker cannot be asked.
  bool fetch(const SlurmTool& t, const SlurmQuery& q, int& code);
  const std::vector<SlurmRow>& rows() const { return rows_; }

 private:
  void add_rows(const pb::JobInfo& j, bool expand);
  std::vector<std::unique_ptr<pb::JobInfo>> jobs_;
  std::vector<SlurmRow> rows_;
};

// squeue's letters and -O names, and one row's cells for them (one per field).
extern const std::vector<Field> kSqueueFields;
std::vector<std::string> squeue_cells(const SlurmRow& r, TimeMs now);
// One row's cells for sacct_fields() (core/slurm_format.h), in that order.
std::vector<std::string> sacct_cells(const SlurmRow& r, TimeMs now);

// Ids as Slurm tools write them: "42", "42_7", "42.batch", "42_[1-3]" -> 42.
std::optional<std::uint64_t> slurm_job_number(const std::string& text);

}  // namespace baton::cli
