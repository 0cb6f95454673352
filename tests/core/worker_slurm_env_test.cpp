// The worker gives each task Slurm's variables beside BATON_*.
#include <doctest/doctest.h>

#include <algorithm>

#include "worker_harness.h"

using namespace baton;
using namespace baton::test;
using namespace baton::test::worker_test;

TEST_SUITE("core.worker_engine") {

TEST_CASE("a task sees SLURM_JOB_ID, its CPUs, memory, host and one-task-one-node values") {
  WorkerHarness w;
  w.connect();
  pb::JobSpec s = spec();
  s.mutable_resources()->set_mem_mb(512);
  s.set_queue("gpu");
  w.assign(assignment(42, 0, 2, s));
  REQUIRE(w.launcher.launched.size() == 1);
  const auto env = env_of(w.launcher.launched[0]);
  CHECK(env.at("SLURM_JOB_ID") == "42");
  CHECK(env.at("SLURM_JOBID") == "42");
  CHECK(env.at("SLURM_JOB_NAME") == "train");
  CHECK(env.at("SLURM_CPUS_ON_NODE") == "2");
  CHECK(env.at("SLURM_CPUS_PER_TASK") == "2");
  CHECK(env.at("SLURM_MEM_PER_NODE") == "512");
  CHECK(env.at("SLURM_JOB_NODELIST") == "node7");
  CHECK(env.at("SLURMD_NODENAME") == "node7");
  CHECK(env.at("SLURM_JOB_PARTITION") == "gpu");
  CHECK(env.at("SLURM_SUBMIT_DIR") == "/home/alice/proj");
  CHECK(env.at("SLURM_NTASKS") == "1");
  CHECK(env.at("SLURM_PROCID") == "0");
  CHECK(env.at("SLURM_RESTART_COUNT") == "1");
  CHECK(env.count("SLURM_ARRAY_TASK_ID") == 0);
}

TEST_CASE("an array task sees SLURM_ARRAY_*, and SLURM_JOB_ID is its array's id") {
  WorkerHarness w;
  w.connect();
  w.assign(array_assignment(42, 7, 1));
  REQUIRE(w.launcher.launched.size() == 1);
  const auto env = env_of(w.launcher.launched[0]);
  CHECK(env.at("SLURM_JOB_ID") == "42");
  CHECK(env.at("SLURM_ARRAY_JOB_ID") == "42");
  CHECK(env.at("SLURM_ARRAY_TASK_ID") == "7");
  CHECK(env.at("SLURM_ARRAY_TASK_COUNT") == "10");
  CHECK(env.at("SLURM_ARRAY_TASK_MIN") == "0");
  CHECK(env.at("SLURM_ARRAY_TASK_MAX") == "9");
  CHECK(env.at("SLURM_ARRAY_TASK_STEP") == "1");
}

TEST_CASE("SLURM_* variables inherited from a job that submitted this one are replaced, never passed through") {
  WorkerHarness w;
  w.connect();
  pb::JobSpec s = spec();
  s.add_env("SLURM_JOB_ID=7");
  s.add_env("SLURM_ARRAY_TASK_ID=3");
  s.add_env("SLURM_CONF=/etc/slurm.conf");  // not one of ours: kept
  w.assign(assignment(44, 0, 1, s));
  REQUIRE(w.launcher.launched.size() == 1);
  const auto& env = w.launcher.launched[0].env;
  CHECK(std::count(env.begin(), env.end(), "SLURM_JOB_ID=44") == 1);
  CHECK(std::count(env.begin(), env.end(), "SLURM_JOB_ID=7") == 0);
  CHECK(std::count(env.begin(), env.end(), "SLURM_ARRAY_TASK_ID=3") == 0);
  CHECK(std::count(env.begin(), env.end(), "SLURM_CONF=/etc/slurm.conf") == 1);
}

}  // TEST_SUITE
