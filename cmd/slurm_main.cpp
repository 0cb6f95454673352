// Dispatch on the program name (sbatch, squeue, ...), `baton slurm-shims DIR`
// which makes the symlinks, and the accounting stubs sacctmgr and sshare.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "cmd/slurm.h"

namespace baton::cli {

namespace {

using Entry = int (*)(SlurmTool&, const std::vector<std::string>&);

struct Personality {
  const char* name;
  Entry run;
};

constexpr Personality kPersonalities[] = {
    {"sbatch", slurm_sbatch},     {"squeue", slurm_squeue}, {"scancel", slurm_scancel},
    {"sacct", slurm_sacct},       {"sinfo", slurm_sinfo},   {"scontrol", slurm_scontrol},
    {"srun", slurm_srun},         {"sacctmgr", slurm_sacctmgr}, {"sshare", slurm_sshare},
};

std::string self_exe() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "baton";
}

}  // namespace

const std::vector<std::string>& slurm_command_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const Personality& p : kPersonalities) v.emplace_back(p.name);
    return v;
  }();
  return names;
}

int SlurmTool::error(int code, const std::string& message) const {
  std::cerr << prog << ": error: " << message << "\n";
  return code;
}

std::optional<int> run_slurm_personality(int argc, char** argv) {
  if (argc < 1 || !argv[0]) return std::nullopt;
  const std::string base = std::filesystem::path(argv[0]).filename().string();
  for (const Personality& p : kPersonalities) {
    if (base != p.name) continue;
    SlurmTool t;
    t.prog = p.name;
    t.ctx.verbosity = -1;  // tools read stdout and stderr: no autostart note
    if (auto s = t.ctx.load(); !s) return t.error(kRefused, s.message());
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
      return p.run(t, args);
    } catch (const std::exception& e) {
      return t.error(kRefused, std::string("unexpected error (please report it): ") + e.what());
    }
  }
  return std::nullopt;
}

bool fetch_workers(const SlurmTool& t, pb::WorkersReply& out, int& code) {
  pb::Envelope req, reply;
  req.mutable_workers();
  if (!t.ctx.call(req, reply, code)) return false;
  out = reply.workers_reply();
  return true;
}

std::vector<std::string> slurm_partitions(const SlurmTool&, const pb::WorkersReply& workers) {
  std::vector<std::string> parts{"default"};
  for (const pb::WorkerInfo& w : workers.workers())
    for (const std::string& q : w.queues())
      if (std::find(parts.begin(), parts.end(), q) == parts.end()) parts.push_back(q);
  return parts;
}

// sacctmgr and sshare: baton keeps no accounts, so every listing is empty.
int slurm_sacctmgr(SlurmTool& t, const std::vector<std::string>& args) {
  for (const std::string& a : args)
    if (a == "add" || a == "create" || a == "modify" || a == "update" || a == "delete" || a == "remove")
      return t.error(kRefused, "baton keeps no accounts: '" + a + "' is not supported");
  return kOk;
}

int slurm_sshare(SlurmTool&, const std::vector<std::string>& args) {
  bool header = true;
  for (const std::string& a : args)
    if (a == "-n" || a == "--noheader" || a == "-h") header = false;
  if (header) std::cout << "Account                    User  RawShares  NormShares    RawUsage  EffectvUsage  FairShare\n";
  return kOk;
}

namespace {

int run_shims(Context& ctx, const std::string& dir, bool force) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ctx.fail(kRefused, "slurm-shims: cannot create " + dir + ": " + ec.message());
  const std::string target = self_exe();
  for (const std::string& name : slurm_command_names()) {
    const std::filesystem::path link = std::filesystem::path(dir) / name;
    if (std::filesystem::is_symlink(link, ec) || std::filesystem::exists(link, ec)) {
      if (!force && std::filesystem::is_symlink(link) && std::filesystem::read_symlink(link, ec) == target) continue;
      if (!force) return ctx.fail(kRefused, "slurm-shims: " + link.string() + " exists (--force replaces it)");
      std::filesystem::remove(link, ec);
    }
    std::filesystem::create_symlink(target, link, ec);
    if (ec) return ctx.fail(kRefused, "slurm-shims: " + link.string() + ": " + ec.message());
  }
  if (ctx.verbosity >= 0)
    std::cout << "Slurm commands in " << dir << "; put it first on PATH: export PATH=" << dir << ":$PATH\n";
  return kOk;
}

}  // namespace

Runner install_slurm_shims(CLI::App& sub, Context&) {
  auto dir = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  sub.add_option("dir", *dir, "Directory for the symlinks (created if missing)")->required();
  sub.add_flag("-f,--force", *force, "Replace files of those names already there");
  sub.footer("Makes symlinks sbatch, squeue, scancel, sacct, sinfo, scontrol, srun, sacctmgr and sshare to this\n"
             "binary; invoked by those names it behaves as those Slurm commands (see baton-slurm(7)).");
  return [dir, force](Context& ctx) { return run_shims(ctx, *dir, *force); };
}

}  // namespace baton::cli
