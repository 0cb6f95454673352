// `baton worker`: the composition root of the worker daemon. Probes the host,
// wires the process launcher, the child reaper, the engine and the ZeroMQ loop.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <filesystem>

#include "cmd/context.h"
#include "cmd/daemon_util.h"
#include "cmd/system_clock.h"
#include "core/worker_engine.h"
#include "exec/cgroup_setup.h"
#include "exec/host_probe.h"
#include "exec/output_file.h"
#include "exec/process_launcher.h"
#include "exec/reaper.h"
#include "cmd/worker_metrics.h"
#include "exec/signal_set.h"
#include "transport/endpoint.h"
#include "transport/worker_loop.h"

namespace baton::cli {

namespace {

struct WorkerFlags {
  std::string broker, name, mem, gpus, kill_grace, drain_timeout;
  std::int64_t cpus = -1, weight = -1;
  std::vector<std::string> resources, labels, queues;
};

bool parse_count(const std::string& s, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

Status apply_flags(Settings& s, const WorkerFlags& f) {
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
    return out;
  };
  std::vector<std::tuple<std::string, std::string, std::string>> sets;
  if (!f.broker.empty()) sets.emplace_back("worker.broker", f.broker, "--broker");
  if (!f.name.empty()) sets.emplace_back("worker.name", f.name, "--name");
  if (f.cpus >= 0) sets.emplace_back("worker.cpus", std::to_string(f.cpus), "--cpus");
  if (!f.mem.empty()) sets.emplace_back("worker.mem", f.mem, "--mem");
  if (!f.gpus.empty()) sets.emplace_back("worker.gpus", f.gpus, "--gpus");
  if (!f.resources.empty()) sets.emplace_back("worker.resources", join(f.resources), "--resource");
  if (!f.labels.empty()) sets.emplace_back("worker.labels", join(f.labels), "--label");
  if (!f.queues.empty()) sets.emplace_back("worker.queues", join(f.queues), "--queue");
  if (f.weight >= 0) sets.emplace_back("worker.weight", std::to_string(f.weight), "--weight");
  if (!f.kill_grace.empty()) sets.emplace_back("worker.kill_grace", f.kill_grace, "--kill-grace");
  if (!f.drain_timeout.empty()) sets.emplace_back("worker.drain_timeout", f.drain_timeout, "--drain-timeout");
  for (auto& [k, v, what] : sets)
    if (auto st = s.set(k, v, what); !st) return st;
  return Status::ok();
}

Result<WorkerConfig> worker_config(const Settings& s, const HostInfo& host) {
  WorkerConfig c;
  c.name = s.str("worker.name");
  c.host = host.hostname.empty() ? c.name : host.hostname;
  const std::int64_t cpus = s.integer("worker.cpus");
  c.capacity.cpus = cpus > 0 ? static_cast<std::uint32_t>(cpus) : std::max<std::uint32_t>(1, host.cpus);
  c.capacity.mem_mb = host.mem_mb;
  if (!s.str("worker.mem").empty() && !parse_mem_mb(s.str("worker.mem"), c.capacity.mem_mb))
    return Status::error("worker.mem: expected a size like 8G or 512M, got '" + s.str("worker.mem") + "'");
  const auto gpus = s.list("worker.gpus");
  if (gpus.size() == 1 && gpus[0] == "auto") {
    c.gpu_ids = host.gpu_ids;
  } else if (!(gpus.size() == 1 && gpus[0] == "none")) {
    for (const auto& g : gpus) {
      std::uint64_t id = 0;
      if (!parse_count(g, id)) return Status::error("worker.gpus: expected GPU ids like 0,1 (or auto, none), got '" + g + "'");
      c.gpu_ids.push_back(static_cast<std::uint32_t>(id));
    }
  }
  c.capacity.gpus = static_cast<std::uint32_t>(c.gpu_ids.size());
  for (const auto& r : s.list("worker.resources")) {
    auto eq = r.find('=');
    std::uint64_t n = 0;
    if (eq == std::string::npos || eq == 0 || !parse_count(r.substr(eq + 1), n))
      return Status::error("worker.resources: expected NAME=N, got '" + r + "'");
    c.capacity.named[r.substr(0, eq)] = n;
  }
  for (const auto& l : s.list("worker.labels")) {
    auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0) return Status::error("worker.labels: expected KEY=VALUE, got '" + l + "'");
    c.labels[l.substr(0, eq)] = l.substr(eq + 1);
  }
  c.queues = s.list("worker.queues");
  if (c.queues.empty()) c.queues.push_back("default");
  c.weight = static_cast<std::uint32_t>(std::max<std::int64_t>(1, s.integer("worker.weight")));
  c.heartbeat_ms = s.duration("worker.heartbeat_interval");
  c.liveness = static_cast<std::uint32_t>(std::max<std::int64_t>(1, s.integer("worker.liveness")));
  c.kill_grace_ms = s.duration("worker.kill_grace");
  c.drain_timeout_ms = s.duration("worker.drain_timeout");
  c.report_batch_ms = s.duration("worker.report_batch");
  c.run_as_submitter = s.boolean("worker.run_as_submitter");
  c.allow_root_jobs = s.boolean("worker.allow_root_jobs");
  return c;
}

int run_worker(Context& ctx, const WorkerFlags& f) {
  Settings& s = ctx.settings;
  if (auto st = apply_flags(s, f); !st) return ctx.fail(kUsage, st.message());
  // Signals and SIGCHLD are blocked before any thread exists.
  auto signals = SignalSet::create(SignalSet::shutdown_signals());
  if (!signals) return ctx.fail(kRefused, signals.error());
  auto reaper = ChildReaper::create();
  if (!reaper) return ctx.fail(kRefused, reaper.error());
  setup_logging(ctx.verbosity > 0 ? "debug" : s.str("log.level"), "worker");

  const HostInfo host = probe_host();
  auto cfg = worker_config(s, host);
  if (!cfg) return ctx.fail(kUsage, cfg.error());
  // Only root can become another user. Refusing beats quietly running every
  // job as this worker's user, which is not what the setting promises.
  const uid_t self = geteuid();
  if (cfg->run_as_submitter && self != 0)
    return ctx.fail(kUsage, "worker.run_as_submitter needs a worker running as root (this one runs as uid " +
                                std::to_string(self) + "); unset it to run every task as this user");
  if (cfg->run_as_submitter)
    spdlog::info("tasks run as their submitters; jobs of root are {}", cfg->allow_root_jobs ? "allowed" : "refused");
  else if (self == 0)
    spdlog::warn("running as root without worker.run_as_submitter: every task runs as root");
  std::string spool = s.str("worker.spool");
  if (spool.empty()) {
    auto dir = wire::runtime_dir();
    if (!dir) return ctx.fail(kRefused, dir.error());
    spool = *dir + "/spool-" + cfg->name;
  }
  auto launcher = ProcessLauncher::create(spool);
  if (!launcher) return ctx.fail(kRefused, launcher.error());
  if (s.str("worker.cgroup") != "off") {
    CgroupSettings cs;
    cs.mode = s.str("worker.cgroup");
    cs.worker_name = cfg->name;
    cs.enforce_mem = s.str("worker.mem_limit") == "enforce";
    const std::string cpu = s.str("worker.cpu_limit");
    cs.cpu_limit = cpu == "none" ? CpuLimit::none : cpu == "quota" ? CpuLimit::quota : CpuLimit::weight;
    if (cs.mode != "auto" && cs.mode[0] != '/')
      return ctx.fail(kUsage, "worker.cgroup: expected auto, off or an absolute cgroup path, got '" + cs.mode + "'");
    CgroupSetup cg = setup_cgroups(cs);
    if (cg.swept > 0) spdlog::warn("killed what a previous worker left running in {} task cgroup(s)", cg.swept);
    if (cg.tree) {
      spdlog::info("tasks run contained: cgroup v{} under {} (--mem {}, cpu limit {})", cg.tree->layout().version,
                   cg.tree->dirs().front(), cs.enforce_mem ? "enforced" : "not enforced", cpu);
      (*launcher)->contain(std::move(cg.tree));
    } else {
      spdlog::warn("{}", uncontained_notice(cg.why_not));
    }
  }

  SystemClock clock;
  Outbox outbox;
  FileOutputReader reader;
  spdlog::info("worker {}: {}, gpus {}, queues {}", cfg->name, cfg->capacity.describe(), cfg->gpu_ids.size(),
               s.str("worker.queues"));
  std::unique_ptr<WorkerMetrics> metrics;
  if (const std::string addr = s.str("worker.metrics"); !addr.empty()) {
    auto m = WorkerMetrics::start(addr, cfg->capacity.cpus);
    if (!m) return ctx.fail(kRefused, m.error());
    metrics = std::move(*m);
    spdlog::info("metrics on http://{}/metrics", addr);
  }
  CountingLauncher counting(**launcher, metrics.get());
  Launcher& used_launcher = metrics ? static_cast<Launcher&>(counting) : static_cast<Launcher&>(**launcher);
  WorkerEngine engine(std::move(*cfg), used_launcher, reader, outbox, clock.now());
  zmq::context_t zctx(1);
  auto curve = client_curve(s);
  if (!curve) return ctx.fail(kRefused, curve.error());
  wire::WorkerLoop loop(zctx, {s.str("worker.broker"), "worker-" + engine.config().name, 64u << 20, *curve}, engine,
                        outbox, clock);
  ChildReaper& r = **reaper;
  ProcessLauncher& l = **launcher;
  SignalSet& sigs = **signals;
  wire::WorkerLoopHooks hooks;
  hooks.child_fd = r.fd();
  hooks.reap = [&r, &l, &metrics] {
    auto exits = r.reap();
    for (auto& e : exits) {
      l.reaped(e);
      if (metrics) metrics->exited(e);
    }
    return exits;
  };
  if (metrics) hooks.on_turn = [&metrics, &engine] { metrics->on_turn(engine); };
  hooks.signal_fd = sigs.fd();
  hooks.on_signal = [&] {
    while (auto sig = sigs.take()) {
      spdlog::info("signal {} received", *sig);
      engine.drain(clock.now());
    }
  };
  // A worker on an ipc:// endpoint watches the directory the socket is in:
  // when it is removed (the personal runtime directory, at logout) no broker
  // will come back there, and the worker hands its tasks back and stops.
  PathWatch dir(std::filesystem::path(ipc_path(s.str("worker.broker"))).parent_path().string());
  if (dir.watching()) {
    hooks.still_wanted = [&dir] {
      if (dir.unchanged()) return true;
      spdlog::warn("directory {} of the broker's socket was removed: stopping", dir.path());
      return false;
    };
    hooks.watch_period_ms = 500;
  }
  return loop.run(hooks);
}

}  // namespace

Runner install_worker(CLI::App& sub, Context&) {
  auto f = std::make_shared<WorkerFlags>();
  sub.add_option("--broker", f->broker, "Broker worker endpoint (worker.broker), e.g. tcp://head:7421");
  sub.add_option("--name", f->name, "Worker name, unique per broker (worker.name; default: host name)");
  sub.add_option("--cpus", f->cpus, "CPUs to offer (default: all this process may use)");
  sub.add_option("--mem", f->mem, "Memory to offer, e.g. 16G (default: detected)");
  sub.add_option("--gpus", f->gpus, "GPU ids to offer, e.g. 0,1; 'none'; default 'auto' detects NVIDIA GPUs");
  sub.add_option("--resource", f->resources, "Named resource NAME=N, e.g. license=4 (repeatable)")->allow_extra_args(false);
  sub.add_option("--label", f->labels, "Label KEY=VALUE for --constraint, e.g. rack=a (repeatable)")->allow_extra_args(false);
  sub.add_option("--queue", f->queues, "Queues served, e.g. gpu,default (repeatable; default: default)")->delimiter(',')->allow_extra_args(false);
  sub.add_option("--weight", f->weight, "Weight for placement = weighted (default 1)");
  sub.add_option("--kill-grace", f->kill_grace, "SIGTERM to SIGKILL delay (default 10s)");
  sub.add_option("--drain-timeout", f->drain_timeout, "On SIGTERM, time running tasks get before being handed back (default 30s)");
  sub.footer("Runs in the foreground. SIGTERM drains: no new tasks start; running ones finish or are handed back.\n"
             "Tasks run in their own process groups and die with the worker. Tasks run as the worker's user;\n"
             "a root worker with worker.run_as_submitter = true runs each as the user who submitted it.");
  return [f](Context& ctx) { return run_worker(ctx, *f); };
}

}  // namespace baton::cli
