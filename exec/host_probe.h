// What a worker host offers: name, CPUs, memory, GPUs. Read once at worker
// start and sent in REGISTER. The parsers take text or a directory so tests
// can feed fixtures; only probe_host() looks at the real machine.
// May not touch: task processes, signals (it reaps only the nvidia-smi it runs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton {

struct HostInfo {
  std::string hostname;
  std::uint32_t cpus = 0;               // CPUs this process may run on
  std::uint64_t mem_mb = 0;             // MemTotal, MiB
  std::vector<std::uint32_t> gpu_ids;   // NVIDIA device indices, empty when none
};

// MemTotal from /proc/meminfo text, in MiB (rounded down). nullopt if absent.
std::optional<std::uint64_t> parse_meminfo(std::string_view text);

// Number of entries in `dir` (normally /proc/driver/nvidia/gpus, one
// subdirectory per GPU). nullopt if the directory does not exist.
std::optional<std::uint32_t> count_nvidia_gpus(const std::string& dir);

// GPU indices from `nvidia-smi -L` output ("GPU 0: NVIDIA A100 (UUID: ...)").
// MIG lines and anything else are ignored.
std::vector<std::uint32_t> parse_nvidia_smi_list(std::string_view text);

// Probes the real host. GPUs come from /proc/driver/nvidia/gpus, else from
// `nvidia-smi -L` if it is on PATH (bounded to a few seconds). Anything that
// cannot be read is left at zero/empty and logged.
// REQUIRES: no other thread is reaping children with wait(-1) meanwhile
// (call it before the worker loop starts), since it waits for nvidia-smi.
HostInfo probe_host();

}  // namespace baton
