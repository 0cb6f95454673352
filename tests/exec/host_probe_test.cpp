// Host probing: the parsers on fixtures, and the real probe's basic sanity.
#include <doctest/doctest.h>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "exec/host_probe.h"

using namespace baton;

TEST_SUITE("exec") {

TEST_CASE("MemTotal is read from /proc/meminfo in MiB") {
  const char* meminfo =
      "MemTotal:       24684092 kB\n"
      "MemFree:        24358860 kB\n"
      "MemAvailable:   24361824 kB\n";
  CHECK(parse_meminfo(meminfo) == 24684092u / 1024);
  CHECK(parse_meminfo("MemFree: 10 kB\nMemTotal: 2048 kB") == 2u);
  CHECK_FALSE(parse_meminfo("MemFree: 10 kB\n"));
  CHECK_FALSE(parse_meminfo("MemTotal: lots\n"));
  CHECK_FALSE(parse_meminfo(""));
}

TEST_CASE("NVIDIA GPUs are counted from the driver's proc directory") {
  char tmpl[] = "/tmp/baton-gpus-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::filesystem::path dir(tmpl);
  CHECK(count_nvidia_gpus(dir.string()) == 0u);
  std::filesystem::create_directory(dir / "0000:3b:00.0");
  std::filesystem::create_directory(dir / "0000:af:00.0");
  CHECK(count_nvidia_gpus(dir.string()) == 2u);
  CHECK_FALSE(count_nvidia_gpus((dir / "absent").string()));
  std::filesystem::remove_all(dir);
}

TEST_CASE("GPU indices come from nvidia-smi -L lines, MIG lines ignored") {
  const char* listing =
      "GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-5e7c4a3e-1111-2222-3333-444455556666)\n"
      "  MIG 3g.20gb     Device  0: (UUID: MIG-aaaa)\n"
      "GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-6f8d5b4f-1111-2222-3333-444455556666)\n"
      "GPU 3: Tesla T4 (UUID: GPU-x)\n";
  CHECK(parse_nvidia_smi_list(listing) == std::vector<std::uint32_t>{0, 1, 3});
  CHECK(parse_nvidia_smi_list("").empty());
  CHECK(parse_nvidia_smi_list("No devices were found\n").empty());
  CHECK(parse_nvidia_smi_list("GPU x: bad\nGPU 2 missing colon\n").empty());
}

TEST_CASE("the real host has a name, CPUs and memory") {
  HostInfo host = probe_host();
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  CHECK(host.hostname == name);
  CHECK(host.cpus >= 1);
  CHECK(host.cpus <= static_cast<std::uint32_t>(sysconf(_SC_NPROCESSORS_CONF)));
  CHECK(host.mem_mb > 0);
}

}  // TEST_SUITE
