#include "cmd/app.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cmd/context.h"

namespace baton::cli {

namespace {

const Command kCommands[] = {
    {"broker", "Run a broker: queue, scheduler and journal (foreground)", install_broker},
    {"worker", "Run a worker that executes tasks for a broker (foreground)", install_worker},
    {"submit", "Queue a job: submit [opts] -- CMD ARGS | submit [opts] SCRIPT [ARGS] | submit --wrap CMD", install_submit},
    {"status", "Show the queue: pending and running jobs (alias: queue)", install_status},
    {"cancel", "Cancel jobs or array tasks, or signal running ones (-s)", install_cancel},
    {"hold", "Keep pending jobs from starting", install_hold},
    {"release", "Let held jobs start", install_release},
    {"update", "Change a pending job: update JOB key=value...", install_update},
    {"wait", "Wait for jobs to end; exit with their status", install_wait},
    {"logs", "Print a task's output, or follow it (-f) while it runs", install_logs},
    {"workers", "List workers; drain or resume one", install_workers},
    {"explain", "Say why a pending job is not running", install_explain},
    {"events", "Follow job and worker transitions (submitted, started, finished, ...) as a stream", install_events},
    {"top", "A live full-screen view of the queue, workers and throughput", install_top},
    {"cron", "Recurring jobs kept by the broker: cron add|list|show|pause|resume|remove|run|update", install_cron},
    {"crontab", "Install, list (-l) or edit (-e) your recurring jobs as a crontab", install_crontab},
    {"history", "Finished jobs with exit codes, times and memory (from the journal)", install_history},
    {"config", "Print the effective configuration and where each value came from", install_config},
    {"journal", "Check or back up a journal file", install_journal},
    {"up", "Start a personal local broker and worker in the background", install_up},
    {"down", "Stop the personal local broker and worker started by `up`", install_down},
    {"ha", "A replicated broker cluster: status, transfer, add, remove", install_ha},
    {"keygen", "Make a CURVE key pair for a broker, worker or user (see Security in the README)", install_keygen},
    {"slurm-shims", "Make sbatch, squeue, scancel, ... symlinks that run baton as Slurm (baton-slurm(7))", install_slurm_shims},
};

// The index of the command's name in argv (argc if none): the first word
// that is neither a global option nor the value of one.
int command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--broker" || a == "--config" || a == "--set") {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    return i;
  }
  return argc;
}

// `baton cron` reads its own words (submit's options, then a command after
// `--`, which CLI11 would hand back to the top level): the parser sees the
// global options and the command's name only, and --help if it comes next.
int own_words_cut(int argc, char** argv) {
  const int i = command_word(argc, argv);
  if (i == argc || std::string(argv[i]) != "cron") return argc;
  const bool help = i + 1 < argc && (std::string(argv[i + 1]) == "--help" || std::string(argv[i + 1]) == "-h");
  return help ? i + 2 : i + 1;
}

}  // namespace

int run(int argc, char** argv) {
  Context ctx;
  for (int i = 1; i < argc; ++i) ctx.args.emplace_back(argv[i]);

  CLI::App app{"baton: a batch scheduler. One binary is the broker, a worker, or the client.", "baton"};
  app.set_version_flag("--version", std::string("baton ") + BATON_VERSION_STRING);
  app.require_subcommand(1);
  app.add_option("--broker", ctx.broker_flag, "Broker endpoint for client commands (env BATON_BROKER)");
  app.add_option("--config", ctx.config_flag, "Configuration file (env BATON_CONFIG)");
  app.add_option("--set", ctx.set_flags, "Override one setting: SECTION.KEY=VALUE (repeatable)")->allow_extra_args(false);
  app.add_flag_function("-v,--verbose", [&](std::int64_t n) { ctx.verbosity = static_cast<int>(n); }, "More output");
  app.add_flag_function("-q,--quiet", [&](std::int64_t) { ctx.verbosity = -1; }, "Less output");
  app.footer(
      "Exit status: 0 success; 1 refused or partly failed; 2 usage error; 3 broker unreachable.\n"
      "wait and submit --wait exit like the job: 0 all completed, else the highest exit code,\n"
      "128+N killed by signal N, 124 time limit, 125 cancelled.\n"
      "Run `baton COMMAND --help` for a command's options.");

  app.fallthrough();  // global options may also follow the subcommand
  // Every command is listed, but only the one named on this command line
  // gets its options: building them all was a fifth of a client's start.
  const int word = command_word(argc, argv);
  const std::string named = word < argc ? argv[word] : "";
  std::vector<std::pair<CLI::App*, Runner>> runners;
  for (const Command& c : kCommands) {
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    const bool status = std::string(c.name) == "status";
    if (status) sub->alias("queue");
    if (named == c.name || (status && named == "queue")) runners.emplace_back(sub, c.install(*sub, ctx));
  }

  try {
    app.parse(own_words_cut(argc, argv), argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kOk : kUsage;
  }
  if (auto s = ctx.load(); !s) return ctx.fail(kUsage, s.message());
  try {
    for (auto& [sub, runner] : runners)
      if (sub->parsed()) return runner(ctx);
  } catch (const std::exception& e) {
    // Errors are reported where they happen; reaching here is a bug, but the
    // user still gets one line and an exit status, not an abort.
    return ctx.fail(kRefused, std::string("unexpected error (please report it): ") + e.what());
  }
  return kUsage;
}

// ---------------------------------------------------------------- Context

Status Context::load() {
  const std::string path = !config_flag.empty() ? config_flag : find_config_file();
  if (!path.empty()) {
    if (auto s = settings.load_file(path); !s) return s;
  }
  if (auto s = settings.load_env(); !s) return s;
  for (const auto& a : set_flags)
    if (auto s = settings.set_assignment(a); !s) return s;
  if (!broker_flag.empty())
    if (auto s = settings.set("client.broker", broker_flag, "--broker"); !s) return s;
  return Status::ok();
}

int Context::fail(int code, const std::string& message) const {
  std::cerr << "baton: " << message << "\n";
  return code;
}

std::unique_ptr<wire::Client> Context::client() const {
  autostart();
  auto curve = client_curve(settings);
  if (!curve) {
    fail(kRefused, curve.error());
    std::exit(kRefused);
  }
  return std::make_unique<wire::Client>(settings.str("client.broker"), settings.duration("client.timeout"), *curve);
}

bool Context::call(pb::Envelope req, pb::Envelope& reply, int& code) const {
  auto c = client();
  wire::ClientError err;
  if (c->call(std::move(req), reply, err)) return true;
  code = fail(err.exit_code, err.message);
  return false;
}

}  // namespace baton::cli
