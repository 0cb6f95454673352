// The strings Slurm tools parse: state words, compact codes, durations, sacct columns.
#include <doctest/doctest.h>

#include "core/output_pattern.h"
#include "core/slurm_env.h"
#include "core/slurm_format.h"

using namespace baton;

TEST_SUITE("core") {
  TEST_CASE("state words are Slurm's exactly: plain CANCELLED, and squeue's compact codes") {
    CHECK(std::string(slurm_state(pb::PENDING)) == "PENDING");
    CHECK(std::string(slurm_state(pb::RUNNING)) == "RUNNING");
    CHECK(std::string(slurm_state(pb::COMPLETED)) == "COMPLETED");
    CHECK(std::string(slurm_state(pb::FAILED)) == "FAILED");
    CHECK(std::string(slurm_state(pb::CANCELLED)) == "CANCELLED");
    CHECK(std::string(slurm_state(pb::TIMEOUT)) == "TIMEOUT");
    CHECK(std::string(slurm_state_code(pb::PENDING)) == "PD");
    CHECK(std::string(slurm_state_code(pb::RUNNING)) == "R");
    CHECK(std::string(slurm_state_code(pb::COMPLETED)) == "CD");
    CHECK(std::string(slurm_state_code(pb::FAILED)) == "F");
    CHECK(std::string(slurm_state_code(pb::CANCELLED)) == "CA");
    CHECK(std::string(slurm_state_code(pb::TIMEOUT)) == "TO");
    CHECK(parse_slurm_state("pd") == pb::PENDING);
    CHECK(parse_slurm_state("Completed") == pb::COMPLETED);
    CHECK_FALSE(parse_slurm_state("NODE_FAIL"));
  }

  TEST_CASE("durations: squeue's [D-][H:]M:SS and sacct's [D-]HH:MM:SS") {
    CHECK(squeue_duration(0) == "0:00");
    CHECK(squeue_duration(307'000) == "5:07");
    CHECK(squeue_duration(3'723'000) == "1:02:03");
    CHECK(squeue_duration(176'523'000) == "2-01:02:03");
    CHECK(sacct_duration(0) == "00:00:00");
    CHECK(sacct_duration(307'000) == "00:05:07");
    CHECK(sacct_duration(176'523'000) == "2-01:02:03");
  }

  TEST_CASE("sacct --format: names in any case, %W widths, unknown names refused by name") {
    auto c = parse_sacct_format("jobidraw,State%20,JOBNAME%-8");
    REQUIRE(c);
    REQUIRE(c->size() == 3);
    CHECK(std::string(sacct_fields()[(*c)[0].field].name) == "JobIDRaw");
    CHECK((*c)[1].width == 20);
    CHECK((*c)[2].left);
    CHECK(parse_sacct_format("JobID State")->size() == 2);
    auto bad = parse_sacct_format("JobID,Bogus");
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == "Invalid field requested: \"Bogus\"");
    for (const char* name : {"JobID", "JobIDRaw", "JobName", "State", "ExitCode", "Elapsed", "Start", "End",
                             "MaxRSS", "NodeList", "Account", "Reason", "Partition", "AllocCPUS", "Submit",
                             "TotalCPU", "Timelimit", "User", "WorkDir", "ReqMem"})
      CHECK_MESSAGE(sacct_field(name), name);
  }

  TEST_CASE("sacct layouts: --parsable2, --parsable (trailing |), fixed (right-justified, dash line, + when cut)") {
    auto cols = *parse_sacct_format("JobIDRaw,State");
    std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(sacct_fields().size()));
    rows[0][0] = "42";
    rows[0][1] = "42";
    rows[0][3] = "PENDING";
    CHECK(render_sacct(cols, rows, SacctLayout::kParsable2, false) == "42|PENDING\n");
    CHECK(render_sacct(cols, rows, SacctLayout::kParsable, true) == "JobIDRaw|State|\n42|PENDING|\n");
    CHECK(render_sacct(cols, rows, SacctLayout::kFixed, true) ==
          "    JobIDRaw      State \n------------ ---------- \n          42    PENDING \n");
    auto narrow = *parse_sacct_format("State%4");
    CHECK(render_sacct(narrow, rows, SacctLayout::kFixed, false) == "PEN+ \n");
    // A row with nothing to show (the Account guess) prints no line at all.
    auto account = *parse_sacct_format("Account%20");
    CHECK(render_sacct(account, rows, SacctLayout::kFixed, false).empty());
  }

  TEST_CASE("output patterns: sbatch's %J is %j, %s the batch step, %t and %n are 0") {
    PatternValues v{42, 7, true, "job", "ann", "h1"};
    CHECK(expand_pattern("%J.%s.%t.%n", v) == "42_7.batch.0.0");
    CHECK(expand_pattern("slurm-%A_%a.out", v) == "slurm-42_7.out");
    PatternValues plain{42, 0, false, "job", "ann", "h1"};
    CHECK(expand_pattern("%x-%J-%u-%N-%%", plain) == "job-42-ann-h1-%");
  }

  TEST_CASE("a task's SLURM_* variables: job id, one task on one node, array variables, memory and GPUs") {
    SlurmTaskFacts t;
    t.job = 42;
    t.index = 6;
    t.is_array = true;
    t.array_count = 4;
    t.array_min = 0;
    t.array_max = 6;
    t.attempt = 2;
    t.name = "render";
    t.user = "ann";
    t.host = "h1";
    t.submit_dir = "/home/ann";
    t.cpus = 4;
    t.mem_mb = 2048;
    t.gpus = 1;
    auto env = slurm_task_env(t);
    auto has = [&](const std::string& kv) { return std::find(env.begin(), env.end(), kv) != env.end(); };
    for (const char* kv : {"SLURM_JOB_ID=42", "SLURM_JOBID=42", "SLURM_JOB_NAME=render", "SLURM_CPUS_PER_TASK=4",
                           "SLURM_CPUS_ON_NODE=4", "SLURM_NTASKS=1", "SLURM_PROCID=0", "SLURM_LOCALID=0",
                           "SLURM_NODEID=0", "SLURM_JOB_NUM_NODES=1", "SLURM_JOB_NODELIST=h1", "SLURMD_NODENAME=h1",
                           "SLURM_SUBMIT_DIR=/home/ann", "SLURM_MEM_PER_NODE=2048", "SLURM_GPUS=1",
                           "SLURM_RESTART_COUNT=1", "SLURM_ARRAY_JOB_ID=42", "SLURM_ARRAY_TASK_ID=6",
                           "SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_MAX=6",
                           "SLURM_ARRAY_TASK_STEP=2", "SLURM_JOB_PARTITION=default"})
      CHECK_MESSAGE(has(kv), kv);
    for (const std::string& kv : env) CHECK(is_slurm_task_var(kv.substr(0, kv.find('='))));
    SlurmTaskFacts plain;
    plain.job = 7;
    auto p = slurm_task_env(plain);
    for (const std::string& kv : p) {
      CHECK(kv.rfind("SLURM_ARRAY", 0) != 0);
      CHECK(kv.rfind("SLURM_MEM_PER_NODE", 0) != 0);
      CHECK(kv.rfind("SLURM_GPUS", 0) != 0);
    }
    CHECK_FALSE(is_slurm_task_var("SLURM_CONF"));
    CHECK_FALSE(is_slurm_task_var("PATH"));
  }
}
