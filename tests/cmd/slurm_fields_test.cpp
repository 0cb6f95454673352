// squeue's letters and sacct's fields for one job: each one pinned.
#include <doctest/doctest.h>

#include "cmd/output.h"
#include "cmd/slurm_jobs.h"
#include "core/slurm_format.h"

using namespace baton;
using namespace baton::cli;

namespace {

struct Fixture {
  pb::JobInfo job;
  SlurmRow row;
  Fixture() {
    job.set_id(42);
    job.set_name("render");
    job.set_user("ann");
    job.set_queue("gpu");
    job.set_priority(5);
    job.set_nice(3);
    job.set_time_limit_s(3600);
    job.set_submit_ms(1000);
    job.set_is_array(true);
    pb::JobSpec& s = *job.mutable_spec();
    s.mutable_resources()->set_cpus(4);
    s.mutable_resources()->set_mem_mb(2048);
    s.mutable_resources()->set_gpus(1);
    s.set_cwd("/work");
    s.set_uid(1000);
    s.set_dependency("afterok:41");
    s.set_script_path("/work/run.sh");
    row.job = &job;
    row.id = "42_7";
    row.index = 7;
    row.state = pb::RUNNING;
    row.worker = "h1";
    row.start_ms = 10'000;
    row.attempt = 2;
  }
  std::string squeue(const std::string& letters) const {
    auto f = parse_format(letters, kSqueueFields);
    REQUIRE(f);
    Table t(kSqueueFields, *f);
    t.add(squeue_cells(row, 10'000 + 65'000));
    return t.render(false, false);
  }
  std::string sacct(const std::string& fields) const {
    auto c = parse_sacct_format(fields);
    REQUIRE(c);
    return render_sacct(*c, {sacct_cells(row, 10'000 + 65'000)}, SacctLayout::kParsable2, false);
  }
};

}  // namespace

TEST_SUITE("cmd") {
  TEST_CASE("squeue: every letter of a running array task") {
    Fixture f;
    REQUIRE(squeue_cells(f.row, 0).size() == kSqueueFields.size());
    CHECK(f.squeue("%i|%A|%F|%K") == "42_7|42_7|42|7\n");
    CHECK(f.squeue("%j|%u|%T|%t") == "render|ann|RUNNING|R\n");
    CHECK(f.squeue("%M|%l|%L") == "1:05|1:00:00|58:55\n");
    CHECK(f.squeue("%R|%r|%N|%D") == "h1|None|h1|1\n");
    CHECK(f.squeue("%C|%c|%m|%P") == "4|4|2G|gpu\n");
    CHECK(f.squeue("%q|%a|%Q|%y") == "normal|(null)|5|3\n");
    CHECK(f.squeue("%Z|%o|%E|%b|%U") == "/work|/work/run.sh|afterok:41|gres/gpu:1|1000\n");
    CHECK(f.squeue("%.6i %t") == "  42_7 R\n");
    CHECK(f.squeue("%.3i") == "42_\n");  // cut to the width
  }

  TEST_CASE("squeue: a pending job's reason in parentheses; -O names") {
    Fixture f;
    f.row.state = pb::PENDING;
    f.row.worker.clear();
    f.row.start_ms = 0;
    f.row.reason = "Dependency";
    CHECK(f.squeue("%t %R %M") == "PD (Dependency) 0:00\n");
    auto names = parse_format("JobID,StateCompact", kSqueueFields);
    REQUIRE(names);
    CHECK(names->columns.size() == 2);
  }

  TEST_CASE("sacct: every field of a finished task") {
    Fixture f;
    f.row.state = pb::FAILED;
    f.row.exit_code = 3;
    f.row.end_ms = 75'000;
    f.row.max_rss_kb = 1234;
    f.row.cpu_ms = 2000;
    f.row.reason = "None";
    REQUIRE(sacct_cells(f.row, 0).size() == sacct_fields().size());
    CHECK(f.sacct("JobID,JobIDRaw,JobName,State,ExitCode") == "42_7|42_7|render|FAILED|3:0\n");
    CHECK(f.sacct("Partition,Account,AllocCPUS,NCPUS,ReqCPUS") == "gpu||4|4|4\n");
    CHECK(f.sacct("Elapsed,ElapsedRaw,MaxRSS,TotalCPU,CPUTime") == "00:01:05|65|1234K|00:00:02|00:04:20\n");
    CHECK(f.sacct("Timelimit,User,UID,NodeList,NNodes,NTasks") == "01:00:00|ann|1000|h1|1|1\n");
    CHECK(f.sacct("Reason,ReqMem,WorkDir,Restarts,Cluster,QOS") == "None|2048M|/work|1|baton|normal\n");
    f.row.signal = 9;
    f.row.exit_code = 0;
    f.row.state = pb::CANCELLED;
    CHECK(f.sacct("State,ExitCode,DerivedExitCode") == "CANCELLED|0:9|0:9\n");
  }

  TEST_CASE("sacct: a pending job shows Unknown times, no CPUs allocated, and 'None assigned'") {
    Fixture f;
    f.row.state = pb::PENDING;
    f.row.worker.clear();
    f.row.start_ms = 0;
    CHECK(f.sacct("State,Start,End,AllocCPUS,NodeList,Elapsed") == "PENDING|Unknown|Unknown|0|None assigned|00:00:00\n");
  }

  TEST_CASE("job ids as tools write them: 42, 42_7, 42.batch, 42_[1-3]") {
    CHECK(slurm_job_number("42") == 42u);
    CHECK(slurm_job_number("42_7") == 42u);
    CHECK(slurm_job_number("42.batch") == 42u);
    CHECK(slurm_job_number("42_[1-3]") == 42u);
    CHECK_FALSE(slurm_job_number("x42"));
    CHECK_FALSE(slurm_job_number("42x"));
  }
}
