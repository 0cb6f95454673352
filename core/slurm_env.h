// The SLURM_* variables a task sees beside BATON_*, so batch scripts and
// workflow tools written for Slurm find what they read (SLURM_JOB_ID, the
// array variables, CPUs, memory, the node list, ...). One task on one host:
// SLURM_NTASKS=1, SLURM_PROCID=0, SLURM_JOB_NUM_NODES=1. An array task's
// SLURM_JOB_ID is its array's job id (baton gives array tasks no ids of their own).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace baton {

struct SlurmTaskFacts {
  std::uint64_t job = 0;
  std::uint32_t index = 0;
  bool is_array = false;
  std::uint64_t array_count = 0, array_min = 0, array_max = 0;
  std::uint32_t attempt = 1;
  std::string name, user, queue, host, submit_dir, submit_host;
  std::uint32_t cpus = 1;
  std::uint64_t mem_mb = 0;  // 0: no --mem given
  std::uint32_t gpus = 0;
};

// KEY=VALUE strings, in a fixed order.
std::vector<std::string> slurm_task_env(const SlurmTaskFacts& t);

// True for a variable slurm_task_env may set: an inherited value (a job
// submitted from inside another) is dropped so it cannot leak through.
bool is_slurm_task_var(std::string_view key);

}  // namespace baton
