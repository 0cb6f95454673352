# Shared set-up for the Slurm personality tests (slurm.bats,
# slurm_workflows.bats): one personal broker and worker for the whole file,
# in a private runtime directory, with the sbatch, squeue, ... links and
# `baton` itself first on PATH. Processes are stopped by pid at the end.

# slurm_setup_file [CPUS]: call from setup_file.
slurm_setup_file() {
  ROOT=$(mktemp -d "${BATS_TMPDIR:-/tmp}/baton-slurm.XXXXXX")
  export SLURM_ROOT="$ROOT"  # first, so teardown cleans up after a failed set-up
  mkdir -m 700 "$ROOT/run" "$ROOT/home"
  export XDG_RUNTIME_DIR="$ROOT/run" HOME="$ROOT/home" XDG_STATE_HOME="$ROOT/state"
  export USER=${USER:-$(id -un)}
  unset BATON_BROKER BATON_JOURNAL BATON_WORKER_BROKER BATON_AUTOSTART SLURM_JOB_ID BATON_JOB_ID
  # Two fake GPUs so --gres=gpu:1 can run; nothing else configured.
  printf '[worker]\ngpus = "0,1"\n' >"$ROOT/baton.toml"
  export BATON_CONFIG="$ROOT/baton.toml"
  mkdir -p "$ROOT/bin"
  ln -s "$(readlink -f "$BATON")" "$ROOT/bin/baton"
  "$BATON" slurm-shims "$ROOT/bin" >/dev/null
  export PATH="$ROOT/bin:$PATH"
  timeout 30 "$BATON" up --cpus "${1:-4}" >/dev/null 2>&1
}

slurm_teardown_file() {
  [ -n "${SLURM_ROOT:-}" ] && [ "$XDG_RUNTIME_DIR" = "$SLURM_ROOT/run" ] || return 0  # only our own baton
  "$BATON" down >/dev/null 2>&1
  local f
  for f in "$XDG_RUNTIME_DIR/baton/broker.pid" "$XDG_RUNTIME_DIR/baton/worker.pid"; do
    [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
  done
  [ -n "${SLURM_ROOT:-}" ] && rm -rf "$SLURM_ROOT"
}

# slurm_setup: a fresh directory for each test.
slurm_setup() {
  TEST_DIR=$(mktemp -d "$SLURM_ROOT/t.XXXXXX")
  cd "$TEST_DIR" || return 1
}
