#include "core/slurm_env.h"

namespace baton {

namespace {

constexpr std::string_view kVars[] = {
    "SLURM_JOB_ID", "SLURM_JOBID", "SLURM_JOB_NAME", "SLURM_JOB_USER", "SLURM_JOB_PARTITION",
    "SLURM_CLUSTER_NAME", "SLURM_SUBMIT_DIR", "SLURM_SUBMIT_HOST", "SLURM_CPUS_ON_NODE", "SLURM_CPUS_PER_TASK",
    "SLURM_JOB_CPUS_PER_NODE", "SLURM_NTASKS", "SLURM_NPROCS", "SLURM_TASKS_PER_NODE", "SLURM_PROCID",
    "SLURM_LOCALID", "SLURM_NODEID", "SLURM_JOB_NUM_NODES", "SLURM_NNODES", "SLURM_JOB_NODELIST",
    "SLURM_NODELIST", "SLURMD_NODENAME", "SLURM_RESTART_COUNT", "SLURM_MEM_PER_NODE", "SLURM_GPUS",
    "SLURM_GPUS_ON_NODE", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP", "SLURM_STEP_ID", "SLURM_STEPID",
};

}  // namespace

bool is_slurm_task_var(std::string_view key) {
  if (key.substr(0, 5) != "SLURM") return false;
  for (std::string_view v : kVars)
    if (key == v) return true;
  return false;
}

std::vector<std::string> slurm_task_env(const SlurmTaskFacts& t) {
  std::vector<std::string> env;
  env.reserve(34);
  auto set = [&env](std::string_view k, const std::string& v) {
    std::string kv(k);
    kv += '=';
    kv += v;
    env.push_back(std::move(kv));
  };
  const std::string id = std::to_string(t.job);
  const std::string cpus = std::to_string(t.cpus ? t.cpus : 1);
  set("SLURM_JOB_ID", id);
  set("SLURM_JOBID", id);
  set("SLURM_JOB_NAME", t.name);
  set("SLURM_JOB_USER", t.user);
  set("SLURM_JOB_PARTITION", t.queue.empty() ? "default" : t.queue);
  set("SLURM_CLUSTER_NAME", "baton");
  set("SLURM_SUBMIT_DIR", t.submit_dir);
  set("SLURM_SUBMIT_HOST", t.submit_host);
  set("SLURM_CPUS_ON_NODE", cpus);
  set("SLURM_CPUS_PER_TASK", cpus);
  set("SLURM_JOB_CPUS_PER_NODE", cpus);
  set("SLURM_NTASKS", "1");
  set("SLURM_NPROCS", "1");
  set("SLURM_TASKS_PER_NODE", "1");
  set("SLURM_PROCID", "0");
  set("SLURM_LOCALID", "0");
  set("SLURM_NODEID", "0");
  set("SLURM_JOB_NUM_NODES", "1");
  set("SLURM_NNODES", "1");
  set("SLURM_JOB_NODELIST", t.host);
  set("SLURM_NODELIST", t.host);
  set("SLURMD_NODENAME", t.host);
  set("SLURM_RESTART_COUNT", std::to_string(t.attempt > 0 ? t.attempt - 1 : 0));
  if (t.mem_mb) set("SLURM_MEM_PER_NODE", std::to_string(t.mem_mb));
  if (t.gpus) {
    set("SLURM_GPUS", std::to_string(t.gpus));
    set("SLURM_GPUS_ON_NODE", std::to_string(t.gpus));
  }
  if (t.is_array) {
    set("SLURM_ARRAY_JOB_ID", id);
    set("SLURM_ARRAY_TASK_ID", std::to_string(t.index));
    set("SLURM_ARRAY_TASK_COUNT", std::to_string(t.array_count));
    set("SLURM_ARRAY_TASK_MIN", std::to_string(t.array_min));
    set("SLURM_ARRAY_TASK_MAX", std::to_string(t.array_max));
    // Evenly spaced indices have a step; anything else reads as 1.
    std::uint64_t step = 1;
    if (t.array_count > 1 && t.array_max > t.array_min && (t.array_max - t.array_min) % (t.array_count - 1) == 0)
      step = (t.array_max - t.array_min) / (t.array_count - 1);
    set("SLURM_ARRAY_TASK_STEP", std::to_string(step));
  }
  return env;
}

}  // namespace baton
