// The Slurm personalities: invoked through a symlink named sbatch, squeue,
// scancel, sacct, sinfo, scontrol, srun, sacctmgr or sshare, the binary
// behaves as that Slurm command (busybox style), so that workflow managers
// and #SBATCH scripts written for Slurm drive baton unchanged (baton-slurm(7)).
// Each command lives in cmd/slurm_<name>.cpp; what they share is here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cmd/context.h"

namespace baton::cli {

// The command named by argv[0]'s base name, run; nullopt when it names none.
std::optional<int> run_slurm_personality(int argc, char** argv);

// The names the personalities answer to, for `baton slurm-shims`.
const std::vector<std::string>& slurm_command_names();

// One run of a Slurm command: its name (for messages) and the client context.
struct SlurmTool {
  std::string prog;
  Context ctx;
  // "PROG: error: MESSAGE" on stderr; returns `code`.
  int error(int code, const std::string& message) const;
};

int slurm_sbatch(SlurmTool& t, const std::vector<std::string>& args);
int slurm_squeue(SlurmTool& t, const std::vector<std::string>& args);
int slurm_sacct(SlurmTool& t, const std::vector<std::string>& args);
int slurm_scancel(SlurmTool& t, const std::vector<std::string>& args);
int slurm_sinfo(SlurmTool& t, const std::vector<std::string>& args);
int slurm_scontrol(SlurmTool& t, const std::vector<std::string>& args);
int slurm_srun(SlurmTool& t, const std::vector<std::string>& args);
int slurm_sacctmgr(SlurmTool& t, const std::vector<std::string>& args);
int slurm_sshare(SlurmTool& t, const std::vector<std::string>& args);

// The queues workers serve ("default" first), as Slurm partitions.
std::vector<std::string> slurm_partitions(const SlurmTool& t, const pb::WorkersReply& workers);
// Asks the broker for its workers; false (error printed) when it cannot.
bool fetch_workers(const SlurmTool& t, pb::WorkersReply& out, int& code);

}  // namespace baton::cli
