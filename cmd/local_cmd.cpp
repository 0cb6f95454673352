// `baton up` / `baton down`: a personal broker and worker on this machine,
// started in the background on the private ipc:// endpoints, like
// task-spooler's server. Logs and pid files live in the runtime directory.
//
// Client commands start them the same way when no broker is configured and
// none is running (client.autostart). A lock file in the runtime directory
// makes concurrent starts end with exactly one broker.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

#include "cmd/context.h"
#include "cmd/daemon_util.h"
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

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

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
  if (fd < 0) return Status::error("cannot open " + log + ": " + std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) return Status::error(std::string("fork failed: ") + std::strerror(errno));
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

// True when something accepts connections on the ipc:// endpoint: a cheap
// probe (no ZeroMQ handshake) that every client command can afford.
bool ipc_listening(const std::string& endpoint) {
  const std::string path = endpoint.substr(6);
  sockaddr_un addr{};
  if (endpoint.rfind("ipc://", 0) != 0 || path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// One request to the broker on a fresh connection (not ctx.client(), which
// would start the daemons itself); false when it gets no reply in time.
bool ask(const Context& ctx, pb::Envelope req, pb::Envelope& reply, TimeMs timeout) {
  auto curve = client_curve(ctx.settings);
  if (!curve) return false;
  wire::Client c(ctx.settings.str("client.broker"), timeout, *curve);
  wire::ClientError err;
  return c.call(std::move(req), reply, err);
}

bool broker_answers(const Context& ctx, TimeMs timeout) {
  pb::Envelope req, reply;
  req.mutable_ping();
  return ask(ctx, std::move(req), reply, timeout);
}

bool worker_registered(const Context& ctx) {
  pb::Envelope req, reply;
  req.mutable_workers();
  return ask(ctx, std::move(req), reply, 1000) && reply.workers_reply().workers_size() > 0;
}

// An exclusive flock on the runtime directory's start lock, held while one
// process checks for and starts the daemons. Others wait (bounded) and then
// find them running.
class StartLock {
 public:
  explicit StartLock(const std::string& dir) : fd_(open((dir + "/start.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {}
  ~StartLock() {
    if (fd_ >= 0) close(fd_);
  }
  StartLock(const StartLock&) = delete;
  StartLock& operator=(const StartLock&) = delete;
  bool acquire(int timeout_ms) {
    for (int waited = 0; fd_ >= 0; waited += 50) {
      if (flock(fd_, LOCK_EX | LOCK_NB) == 0) return true;
      if (waited >= timeout_ms) return false;
      sleep_ms(50);
    }
    return false;
  }

 private:
  int fd_;
};

// Before starting a broker: is the journal free? A broker that still holds
// it but does not answer here is usually one whose runtime directory was
// removed (it notices within a second and stops), so wait a little; past
// that, name the pid instead of failing with a generic "did not start".
Status journal_free(const Context& ctx) {
  const std::string journal = ctx.settings.str("journal.path");
  const std::string lock = journal + ".lock";
  int pid = lock_holder(lock);
  for (int waited = 0; pid != 0 && waited < 5000; waited += 50) {
    sleep_ms(50);
    pid = lock_holder(lock);
  }
  if (pid == 0) return Status::ok();
  const std::string who = pid > 0 ? "a broker (pid " + std::to_string(pid) + ")" : "another broker";
  return Status::error("journal " + journal + " is held by " + who + " that does not answer on " +
                       ctx.settings.str("client.broker") + " (started with another runtime directory or " +
                       "config?); stop it" + (pid > 0 ? " (kill " + std::to_string(pid) + ")" : "") +
                       " or set journal.path to another file");
}

struct Started {
  int broker = 0, worker = 0;
  bool was_up = false;
};

// Starts whichever of broker and worker is not running. The caller holds the
// start lock.
Result<Started> start_daemons(const Context& ctx, const std::string& dir, std::int64_t cpus) {
  const std::string bpid = dir + "/broker.pid", wpid = dir + "/worker.pid";
  Started s;
  s.broker = read_pid(bpid);
  s.worker = read_pid(wpid);
  // Any broker on the endpoint counts, ours or not: a second one would take over its ipc socket.
  const std::string& ep = ctx.settings.str("client.broker");
  const bool broker_up = (ep.rfind("ipc://", 0) != 0 || ipc_listening(ep)) && broker_answers(ctx, 1000);
  s.was_up = broker_up && s.worker;
  if (s.was_up) return s;
  if (!broker_up) {
    if (auto st = journal_free(ctx); !st) return st;
    auto b = spawn_daemon(ctx, {"broker"}, dir + "/broker.log");
    if (!b) return b.status();
    s.broker = *b;
    std::ofstream(bpid) << *b << "\n";
    bool up = false;
    for (int i = 0; i < 50 && !up; ++i) {
      up = broker_answers(ctx, 200);
      if (!up && waitpid(*b, nullptr, WNOHANG) == *b) break;
    }
    if (!up) return Status::error("the broker did not start; see " + dir + "/broker.log");
  }
  if (!s.worker) {
    std::vector<std::string> args{"worker"};
    if (cpus > 0) args.insert(args.end(), {"--cpus", std::to_string(cpus)});
    auto w = spawn_daemon(ctx, args, dir + "/worker.log");
    if (!w) return w.status();
    s.worker = *w;
    std::ofstream(wpid) << *w << "\n";
    // Return once it has registered, so a first submit does not warn that no
    // worker can run it. A slow start is not an error: the job just waits.
    for (int i = 0; i < 50 && !worker_registered(ctx) && waitpid(*w, nullptr, WNOHANG) == 0; ++i) sleep_ms(100);
  }
  return s;
}

std::string cpus_text(std::int64_t cpus) {
  return cpus > 0 ? std::to_string(cpus) + " cpus" : "all cpus";
}

int run_up(Context& ctx, std::int64_t cpus) {
  auto dir = wire::runtime_dir();
  if (!dir) return ctx.fail(kRefused, dir.error());
  StartLock lock(*dir);
  if (!lock.acquire(30000)) return ctx.fail(kRefused, "another `baton up` is still starting; try again");
  auto s = start_daemons(ctx, *dir, cpus);
  if (!s) return ctx.fail(kRefused, s.error());
  if (ctx.verbosity >= 0) {
    if (s->was_up)
      std::cout << "baton is already up (broker pid " << s->broker << ", worker pid " << s->worker << "); logs in "
                << *dir << "\n";
    else
      std::cout << "baton is up: broker pid " << s->broker << ", worker pid " << s->worker << " (" << cpus_text(cpus)
                << "); journal " << ctx.settings.str("journal.path") << "; logs in " << *dir << "\n";
  }
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
    sleep_ms(50);
  }
  if (kill(pid, 0) == 0) kill(pid, SIGKILL);
  unlink(pidfile.c_str());
  return true;
}

int run_down(Context& ctx) {
  auto dir = wire::runtime_dir();
  if (!dir) return ctx.fail(kRefused, dir.error());
  StartLock lock(*dir);
  lock.acquire(30000);  // not racing a start; stop what is there either way
  // Two SIGTERMs: the worker hands its running tasks back at once.
  const bool w = stop(*dir + "/worker.pid", 2, 15000);
  const bool b = stop(*dir + "/broker.pid", 1, 15000);
  if (ctx.verbosity < 0) return kOk;
  if (!w && !b)
    std::cout << "baton is not up\n";
  else
    std::cout << "baton is down; queued jobs stay in the journal and run after `baton up`\n";
  return kOk;
}

}  // namespace

void Context::autostart() const {
  const Setting& broker = settings.at("client.broker");
  if (broker.source != "default" || !settings.boolean("client.autostart") || ipc_listening(broker.value)) return;
  auto dir = wire::runtime_dir();
  if (!dir) return;  // the connection attempt reports the problem
  StartLock lock(*dir);
  if (!lock.acquire(30000) || ipc_listening(broker.value)) return;  // someone else started it
  auto s = start_daemons(*this, *dir, 0);
  if (!s) {
    fail(kUnreachable, "no broker was running and starting one failed: " + s.error());
    std::exit(kUnreachable);
  }
  if (verbosity >= 0)
    std::cerr << "baton: started a local broker (pid " << s->broker << ") and worker (pid " << s->worker
              << ") in the background; `baton down` stops them\n";
}

Runner install_up(CLI::App& sub, Context&) {
  auto cpus = std::make_shared<std::int64_t>(0);
  sub.add_option("--cpus", *cpus, "CPUs the worker offers (default: all this process may use)")->check(CLI::NonNegativeNumber);
  sub.footer("Starts `baton broker` and `baton worker` in the background on private ipc:// sockets.\n"
             "Settings come from the config file and --set, like the foreground commands.\n"
             "Client commands do this on their own when no broker is configured (client.autostart).");
  return [cpus](Context& ctx) { return run_up(ctx, *cpus); };
}

Runner install_down(CLI::App&, Context&) { return run_down; }

}  // namespace baton::cli
