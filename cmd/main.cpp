// baton: one binary that is the broker, a worker, or the client; invoked as
// sbatch, squeue, scancel, ... it is that Slurm command (cmd/slurm.h).
#include "cmd/app.h"
#include "cmd/slurm.h"

int main(int argc, char** argv) {
  if (auto code = baton::cli::run_slurm_personality(argc, argv)) return *code;
  return baton::cli::run(argc, argv);
}
