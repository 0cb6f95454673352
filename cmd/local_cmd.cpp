// `baton up` / `baton down`: a personal broker and worker on this machine,
// started in the background on the private ipc:// endpoints, like
// task-spooler's server. Logs and pid files live in the runtime directory.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "cmd/context.h"
#include "transport/endpoint.h"

namespace baton::cli {

namespace {

std::string self_exe() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "baton";
}

int read_pid(const std::string& path) {
  std::ifstream in(path);
  int pid = 0;
  in >> pid;
  return pid > 0 && kill(pid, 0) == 0 ? pid : 0;
}

// Starts `baton ARGS...` detached, output to `log`; returns its pid.
Result<int> spawn_daemon(const Context& ctx, const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> full{self_exe()};
  if (!ctx.config_flag.empty()) full.insert(full.end(), {"--config", ctx.config_flag});
  for (const auto& s : ctx.set_flags) full.insert(full.end(), {"--set", s});
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Status::error("cannot open " + log);
  const pid_t pid = fork();
  if (pid < 0) return Status::error("fork failed");
  if (pid == 0) {
    setsid();
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fd);
  return static_cast<int>(pid);
}

bool broker_answers(const Context& ctx, TimeMs timeout) {
  auto curve = client_curve(ctx.settings);
  if (!curve) return false;
  auto c = std::make_unique<wire::Client>(ctx.settings.str("client.broker"), timeout, *curve);
  pb::Envelope req, reply;
  req.mutable_ping();
  wire::ClientError err;
  return c->call(req, reply, err);
}

int run_up(Context& ctx) {
  auto dir = wire::runtime_dir();
  if (!dir) return ctx.fail(kRefused, dir.error());
  const std::string bpid = *dir + "/broker.pid", wpid = *dir + "/worker.pid";
  if (read_pid(bpid) && broker_answers(ctx, 1000)) {
    std::cout << "baton is already up (broker pid " << read_pid(bpid) << "); logs in " << *dir << "\n";
    return kOk;
  }
  auto b = spawn_daemon(ctx, {"broker"}, *dir + "/broker.log");
  if (!b) return ctx.fail(kRefused, b.error());
  std::ofstream(bpid) << *b << "\n";
  bool up = false;
  for (int i = 0; i < 50 && !up; ++i) {
    up = broker_answers(ctx, 200);
    if (!up && waitpid(*b, nullptr, WNOHANG) == *b) break;
  }
  if (!up) return ctx.fail(kRefused, "the broker did not start; see " + *dir + "/broker.log");
  auto w = spawn_daemon(ctx, {"worker"}, *dir + "/worker.log");
  if (!w) return ctx.fail(kRefused, w.error());
  std::ofstream(wpid) << *w << "\n";
  std::cout << "baton is up: broker pid " << *b << ", worker pid " << *w << "; journal "
            << ctx.settings.str("journal.path") << "; logs in " << *dir << "\n";
  return kOk;
}

bool stop(const std::string& pidfile, int sig_count, int wait_ms) {
  const int pid = read_pid(pidfile);
  if (!pid) {
    unlink(pidfile.c_str());
    return false;
  }
  for (int i = 0; i < sig_count; ++i) kill(pid, SIGTERM);
  for (int waited = 0; waited < wait_ms && kill(pid, 0) == 0; waited += 50) {
    waitpid(pid, nullptr, WNOHANG);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (kill(pid, 0) == 0) kill(pid, SIGKILL);
  unlink(pidfile.c_str());
  return true;
}

int run_down(Context& ctx) {
  auto dir = wire::runtime_dir();
  if (!dir) return ctx.fail(kRefused, dir.error());
  // Two SIGTERMs: the worker hands its running tasks back at once.
  const bool w = stop(*dir + "/worker.pid", 2, 15000);
  const bool b = stop(*dir + "/broker.pid", 1, 15000);
  if (!w && !b) {
    std::cout << "baton is not up\n";
    return kOk;
  }
  std::cout << "baton is down; queued jobs stay in the journal and run after `baton up`\n";
  return kOk;
}

}  // namespace

Runner install_up(CLI::App& sub, Context&) {
  sub.footer("Starts `baton broker` and `baton worker` in the background on private ipc:// sockets.\n"
             "Settings come from the config file and --set, like the foreground commands.");
  return run_up;
}

Runner install_down(CLI::App&, Context&) { return run_down; }

}  // namespace baton::cli
