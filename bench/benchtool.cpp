// baton_benchtool: the small programs bench/run_all.sh drives (see BENCHMARKS.md).
//
//   spawn-loop N P PROG [ARGS...]
//       posix_spawn PROG N times, at most P at once; the physical limit of
//       starting processes here. Prints "wall_s=<s> tasks_per_s=<r>".
//   latency [--rounds R] [--while-pid PID] [--max-seconds S] -- CMD... [::: CMD...]
//       Runs each command once per round, interleaved, stdout/stderr to
//       /dev/null, and prints one line per command:
//       "cmd=<i> n=<runs> fail=<k> p50_ms= p90_ms= p99_ms= min_ms= max_ms=".
//       With --while-pid it keeps going (up to R rounds) while PID lives.
//   sim-workers --broker EP [--workers W] [--cpus C] [--expect N] [--rate R] [--ready-file F] [--done-file F]
//       W simulated workers on one thread, speaking the real protocol
//       (REGISTER, HEARTBEAT, ASSIGN, FINISHED, FINISHED_ACK): every assigned
//       task is reported EXITED 0 at once, nothing is run (HyperQueue's
//       zero-worker mode). The ready file appears when all are registered. With
//       --expect, it exits after N distinct tasks were acknowledged (the broker
//       acks after its journal commit) and writes the CLOCK_REALTIME ns of the
//       last ack to the done file. --rate R holds results so that at most R
//       per second leave (a steady flow for the status benchmark). Stops on
//       SIGTERM/SIGINT.
//   submit-jobs --broker EP [--clients K] [--jobs M]
//       K client threads (in-process transport::Client) submit M one-task jobs
//       in total, each waiting for its acknowledgement (durably committed).
//       Prints "wall_s= jobs_per_s= p50_ms= p99_ms= failed=".
//   start-latency --broker EP [--broker EP2...] --stamp PATH [--rounds R] [--dir D]
//       Per round: spawn `stamp FIFO` directly (the cost of exec), then for
//       each broker in turn submit a job running it (in-process client) and
//       read the task's first-instruction time from the FIFO. Prints p50/p99
//       of spawn-to-first-instruction ("direct") and per broker i of
//       submit-to-first-instruction ("bi-baton"), of its difference with this
//       round's direct time ("bi-diff") and of the acknowledgement ("bi-ack").
//   wake-latency [--rounds R]
//       Round trips between two processes that sleep between rounds (each
//       message wakes a sleeping thread, as a job submitted to an idle broker
//       does): one byte over a pipe with both on one cpu, then on two cpus
//       (one wake each way), then one message over ZeroMQ ipc:// PAIR sockets,
//       unpinned (libzmq's I/O threads of both processes in between, as
//       between baton's processes), and between two threads of one process
//       over inproc:// (no I/O thread). Prints "pipe-rtt-same-cpu",
//       "pipe-rtt-other-cpu", "zmq-ipc-rtt" and "zmq-inproc-rtt" lines with
//       p50/p99 in ms.
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <zmq.hpp>

#include "baton.pb.h"
#include "bench/benchtool.h"
#include "transport/client.h"
#include "transport/frame.h"
#include "transport/sockets.h"

extern char** environ;

namespace benchtool {

std::int64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "baton_benchtool: %s\n", msg.c_str());
  std::exit(2);
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // nearest rank
  std::size_t k = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
  if (k == 0) k = 1;
  if (k > v.size()) k = v.size();
  return v[k - 1];
}

std::string summary(const std::vector<double>& v) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "n=%zu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f min_ms=%.3f max_ms=%.3f", v.size(),
                pct(v, 50), pct(v, 90), pct(v, 99), v.empty() ? 0.0 : *std::min_element(v.begin(), v.end()),
                v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()));
  return buf;
}

int wait_exit(pid_t pid) {
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

}  // namespace benchtool

using namespace benchtool;

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t real_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// posix_spawn with stdout/stderr (and stdin) on /dev/null. Returns the pid or -1.
pid_t spawn_quiet(const std::vector<std::string>& argv) {
  std::vector<char*> av;
  for (const auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
  av.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, av[0], &fa, nullptr, av.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

// ---------------------------------------------------------------- spawn-loop
int spawn_loop(int argc, char** argv) {
  if (argc < 3) die("usage: spawn-loop N P PROG [ARGS...]");
  const long n = std::atol(argv[0]);
  const long p = std::max(1L, std::atol(argv[1]));
  std::vector<std::string> cmd(argv + 2, argv + argc);
  long started = 0, running = 0, failed = 0;
  const std::int64_t t0 = mono_ns();
  while (started < n || running > 0) {
    while (running < p && started < n) {
      if (spawn_quiet(cmd) < 0) die("cannot spawn " + cmd[0]);
      ++started, ++running;
    }
    int st = 0;
    pid_t w = waitpid(-1, &st, 0);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("waitpid failed");
    }
    --running;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) ++failed;
  }
  const double s = static_cast<double>(mono_ns() - t0) / 1e9;
  std::printf("wall_s=%.4f tasks_per_s=%.1f failed=%ld\n", s, static_cast<double>(n) / s, failed);
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------- latency
// A process that exists and is not a zombie (its parent may not have reaped it yet).
bool alive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  const auto close_paren = line.rfind(')');
  return close_paren == std::string::npos || close_paren + 2 >= line.size() || line[close_paren + 2] != 'Z';
}

int latency(int argc, char** argv) {
  long rounds = 50, while_pid = 0;
  double max_seconds = 0;
  int i = 0;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") { ++i; break; }
    if (i + 1 >= argc) die("latency: " + a + " needs a value");
    if (a == "--rounds") rounds = std::atol(argv[++i]);
    else if (a == "--while-pid") while_pid = std::atol(argv[++i]);
    else if (a == "--max-seconds") max_seconds = std::atof(argv[++i]);
    else die("latency: unknown option " + a);
  }
  std::vector<std::vector<std::string>> cmds(1);
  for (; i < argc; ++i) {
    if (std::string(argv[i]) == ":::") cmds.emplace_back();
    else cmds.back().push_back(argv[i]);
  }
  for (const auto& c : cmds)
    if (c.empty()) die("latency: empty command");
  std::vector<std::vector<double>> ms(cmds.size());
  std::vector<long> fails(cmds.size());
  const std::int64_t start = mono_ns();
  for (long r = 0; r < rounds; ++r) {
    if (while_pid > 0 && !alive(static_cast<pid_t>(while_pid))) break;
    if (max_seconds > 0 && static_cast<double>(mono_ns() - start) / 1e9 > max_seconds) break;
    for (std::size_t c = 0; c < cmds.size(); ++c) {
      const std::int64_t t0 = mono_ns();
      pid_t pid = spawn_quiet(cmds[c]);
      if (pid < 0) die("cannot spawn " + cmds[c][0]);
      const int rc = wait_exit(pid);
      const std::int64_t t1 = mono_ns();
      if (rc != 0) ++fails[c];
      else ms[c].push_back(static_cast<double>(t1 - t0) / 1e6);
    }
  }
  long total_fail = 0;
  for (std::size_t c = 0; c < cmds.size(); ++c) {
    std::printf("cmd=%zu fail=%ld %s\n", c, fails[c], summary(ms[c]).c_str());
    total_fail += fails[c];
  }
  return total_fail ? 1 : 0;
}

// ---------------------------------------------------------------- common client bits
baton::pb::JobSpec true_spec(const std::vector<std::string>& argv, const std::string& cwd) {
  baton::pb::JobSpec s;
  for (const auto& a : argv) s.add_argv(a);
  const uid_t uid = getuid();
  const passwd* pw = getpwuid(uid);
  s.set_user(pw ? pw->pw_name : std::to_string(uid));
  s.set_uid(uid);
  s.set_cwd(cwd);
  s.set_submit_dir(cwd);
  s.set_submit_host("bench");
  s.set_stdout_pattern("/dev/null");
  s.add_env("PATH=/usr/local/bin:/usr/bin:/bin");
  return s;
}

std::string arg_value(int& i, int argc, char** argv) {
  if (i + 1 >= argc) die(std::string(argv[i]) + " needs a value");
  return argv[++i];
}

// ---------------------------------------------------------------- sim-workers
volatile sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = 1; }

struct SimWorker {
  std::string name;
  std::unique_ptr<baton::wire::DealerSocket> sock;
  bool registered = false;
  std::int64_t next_hb_ms = 0;
  std::int64_t last_heard_ms = 0;
};

int sim_workers(int argc, char** argv) {
  std::string broker, ready_file, done_file, prefix = "sim";
  int workers = 1;
  unsigned cpus = 64;
  long long expect = 0;
  double rate = 0;  // results per second, all workers together; 0: no cap
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--broker") broker = arg_value(i, argc, argv);
    else if (a == "--workers") workers = std::atoi(arg_value(i, argc, argv).c_str());
    else if (a == "--cpus") cpus = static_cast<unsigned>(std::atoi(arg_value(i, argc, argv).c_str()));
    else if (a == "--expect") expect = std::atoll(arg_value(i, argc, argv).c_str());
    else if (a == "--ready-file") ready_file = arg_value(i, argc, argv);
    else if (a == "--done-file") done_file = arg_value(i, argc, argv);
    else if (a == "--name") prefix = arg_value(i, argc, argv);
    else if (a == "--rate") rate = std::atof(arg_value(i, argc, argv).c_str());
    else die("sim-workers: unknown option " + a);
  }
  if (broker.empty()) die("sim-workers: --broker is required");
  signal(SIGTERM, on_stop);
  signal(SIGINT, on_stop);
  zmq::context_t ctx(1);
  std::vector<SimWorker> ws(static_cast<std::size_t>(workers));
  std::int64_t hb_ms = 1000;
  auto now_ms = [] { return mono_ns() / 1000000; };
  auto send_register = [&](SimWorker& w) {
    baton::pb::Envelope env;
    auto* r = env.mutable_register_();
    r->set_name(w.name);
    r->set_host(w.name);
    r->mutable_capacity()->set_cpus(cpus);
    r->mutable_capacity()->set_mem_mb(1u << 20);
    r->add_queues("default");
    r->set_weight(1);
    r->set_version(BATON_VERSION_STRING);
    w.registered = false;
    w.sock->send(baton::wire::encode(env));
    w.next_hb_ms = now_ms() + hb_ms;
  };
  for (int i = 0; i < workers; ++i) {
    SimWorker& w = ws[static_cast<std::size_t>(i)];
    w.name = prefix + "-" + std::to_string(i);
    w.sock = std::make_unique<baton::wire::DealerSocket>(ctx, broker, baton::wire::make_identity(w.name), 64u << 20);
    w.last_heard_ms = now_ms();
    send_register(w);
  }
  std::vector<zmq::pollitem_t> items(ws.size());
  for (std::size_t i = 0; i < ws.size(); ++i) items[i] = {ws[i].sock->raw().handle(), 0, ZMQ_POLLIN, 0};
  int n_registered = 0;
  long long acked = 0, assigned = 0;
  std::unordered_set<std::uint64_t> acked_keys;  // (job<<32 | index): count distinct tasks once
  std::int64_t last_ack_real = 0;
  baton::pb::Envelope fin;
  auto* res = fin.mutable_finished()->mutable_result();
  std::string bytes;
  // With --rate, results wait here (worker index, task) and leave at that pace.
  std::deque<std::pair<std::size_t, baton::pb::TaskRef>> held;
  double budget = 0;
  std::int64_t last_refill = mono_ns();
  auto report = [&](SimWorker& w, const baton::pb::TaskRef& task) {
    const std::int64_t t = real_ns() / 1000000;
    *res->mutable_task() = task;
    res->set_outcome(baton::pb::EXITED);
    res->set_exit_code(0);
    res->set_start_ms(t);
    res->set_end_ms(t);
    fin.SerializeToString(&bytes);
    while (w.sock->send(bytes) != baton::wire::SendResult::Sent && !g_stop) {
      zmq::pollitem_t out{w.sock->raw().handle(), 0, ZMQ_POLLOUT, 0};
      zmq::poll(&out, 1, std::chrono::milliseconds(10));
    }
  };
  while (!g_stop) {
    if (rate > 0) {
      const std::int64_t t = mono_ns();
      budget = std::min(budget + rate * static_cast<double>(t - last_refill) / 1e9, std::max(1.0, rate / 100));
      last_refill = t;
      while (!held.empty() && budget >= 1) {
        report(ws[held.front().first], held.front().second);
        held.pop_front();
        budget -= 1;
      }
    }
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(held.empty() ? 100 : 1));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) die(std::string("poll: ") + e.what());
    }
    const std::int64_t now = now_ms();
    for (std::size_t i = 0; i < ws.size(); ++i) {
      SimWorker& w = ws[i];
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      for (int k = 0; k < 4096; ++k) {
        auto msg = w.sock->recv();
        if (!msg) break;
        w.last_heard_ms = now;
        switch (msg->body_case()) {
          case baton::pb::Envelope::kRegistered:
            if (!w.registered) {
              w.registered = true;
              ++n_registered;
              if (msg->registered().heartbeat_ms()) hb_ms = msg->registered().heartbeat_ms();
              if (n_registered == workers && !ready_file.empty()) std::ofstream(ready_file) << "ready\n";
            }
            break;
          case baton::pb::Envelope::kAssign:
            for (const auto& a : msg->assign().tasks()) {
              ++assigned;
              if (rate > 0) held.emplace_back(i, a.task());
              else report(w, a.task());
            }
            break;
          case baton::pb::Envelope::kFinishedAck:
            for (const auto& t : msg->finished_ack().tasks()) {
              const std::uint64_t key = (t.job() << 32) ^ t.index();
              if (acked_keys.insert(key).second) ++acked;
            }
            last_ack_real = real_ns();
            break;
          case baton::pb::Envelope::kKill: {
            // Nothing runs here, so a kill is answered at once.
            baton::pb::Envelope env;
            auto* r = env.mutable_finished()->mutable_result();
            *r->mutable_task() = msg->kill().task();
            r->set_outcome(baton::pb::KILLED_CANCEL);
            r->set_signal(15);
            if (msg->kill().terminate()) w.sock->send(baton::wire::encode(env));
            break;
          }
          case baton::pb::Envelope::kDisconnect:
            if (w.registered) --n_registered;
            send_register(w);
            break;
          default: break;
        }
      }
    }
    for (SimWorker& w : ws) {
      if (now >= w.next_hb_ms) {
        baton::pb::Envelope env;
        env.mutable_heartbeat();
        w.sock->send(baton::wire::encode(env));
        w.next_hb_ms = now + hb_ms;
      }
    }
    if (expect > 0 && acked >= expect) break;
  }
  if (!done_file.empty() && expect > 0 && acked >= expect) std::ofstream(done_file) << last_ack_real << "\n";
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  std::printf("sim-workers: workers=%d registered=%d assigned=%lld acked=%lld cpu_s=%.2f\n", workers, n_registered,
              assigned, acked, cpu_s);
  for (SimWorker& w : ws) {
    baton::pb::Envelope bye;
    bye.mutable_disconnect()->set_reason("simulated worker stopped");
    w.sock->raw().set(zmq::sockopt::linger, 200);
    w.sock->send(baton::wire::encode(bye));
  }
  ws.clear();
  return expect > 0 && acked < expect ? 1 : 0;
}

// ---------------------------------------------------------------- submit-jobs
int submit_jobs(int argc, char** argv) {
  std::string broker;
  int clients = 4;
  long jobs = 1000;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--broker") broker = arg_value(i, argc, argv);
    else if (a == "--clients") clients = std::max(1, std::atoi(arg_value(i, argc, argv).c_str()));
    else if (a == "--jobs") jobs = std::atol(arg_value(i, argc, argv).c_str());
    else die("submit-jobs: unknown option " + a);
  }
  if (broker.empty()) die("submit-jobs: --broker is required");
  std::atomic<long> next{0}, failed{0};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(clients));
  const std::int64_t t0 = mono_ns();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      baton::wire::Client client(broker, 30000);
      const baton::pb::JobSpec spec = true_spec({"true"}, "/tmp");
      auto& mine = lat[static_cast<std::size_t>(c)];
      while (next.fetch_add(1) < jobs) {
        baton::pb::Envelope req, reply;
        *req.mutable_submit()->mutable_spec() = spec;
        baton::wire::ClientError err;
        const std::int64_t s = mono_ns();
        if (!client.call(req, reply, err) || !reply.has_submit_reply()) {
          if (failed.fetch_add(1) < 3) std::fprintf(stderr, "submit failed: %s\n", err.message.c_str());
          continue;
        }
        mine.push_back(static_cast<double>(mono_ns() - s) / 1e6);
      }
    });
  }
  for (auto& t : threads) t.join();
  const double s = static_cast<double>(mono_ns() - t0) / 1e9;
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::printf("wall_s=%.4f jobs_per_s=%.1f failed=%ld %s\n", s, static_cast<double>(jobs) / s, failed.load(),
              summary(all).c_str());
  return failed ? 1 : 0;
}

// ---------------------------------------------------------------- start-latency
bool read_stamp(int fd, std::int64_t& ns, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  return read(fd, &ns, sizeof ns) == static_cast<ssize_t>(sizeof ns);
}

int start_latency(int argc, char** argv) {
  std::vector<std::string> brokers;
  std::string stamp, dir = "/tmp";
  long rounds = 50;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--broker") brokers.push_back(arg_value(i, argc, argv));
    else if (a == "--stamp") stamp = arg_value(i, argc, argv);
    else if (a == "--rounds") rounds = std::atol(arg_value(i, argc, argv).c_str());
    else if (a == "--dir") dir = arg_value(i, argc, argv);
    else die("start-latency: unknown option " + a);
  }
  if (brokers.empty() || stamp.empty()) die("start-latency: --broker (one or more) and --stamp are required");
  const std::string fifo = dir + "/stamp.fifo";
  unlink(fifo.c_str());
  if (mkfifo(fifo.c_str(), 0600) != 0) die("mkfifo " + fifo + ": " + std::strerror(errno));
  // O_RDWR keeps a writer open, so poll never reports a hang-up between rounds.
  const int fd = open(fifo.c_str(), O_RDWR | O_NONBLOCK);
  if (fd < 0) die("open " + fifo);
  const baton::pb::JobSpec spec = true_spec({stamp, fifo}, dir);
  std::vector<std::unique_ptr<baton::wire::Client>> clients;
  for (const auto& b : brokers) clients.push_back(std::make_unique<baton::wire::Client>(b, 10000));
  const std::size_t nb = brokers.size();
  std::vector<std::vector<double>> via(nb), diff(nb), ack(nb);
  std::vector<double> direct;
  long failures = 0;
  auto spawn_direct = [&]() -> double {
    const std::int64_t d0 = mono_ns();
    pid_t pid = spawn_quiet({stamp, fifo});
    std::int64_t ds = 0;
    if (pid < 0 || !read_stamp(fd, ds, 10000)) die("direct spawn of " + stamp + " failed");
    wait_exit(pid);
    return static_cast<double>(ds - d0) / 1e6;
  };
  for (long r = 0; r < rounds; ++r) {
    // The cost of exec, this round: the same program spawned directly.
    const double d = spawn_direct();
    direct.push_back(d);
    // Then each broker in turn (side by side): submit, then the task's first instruction.
    for (std::size_t b = 0; b < nb; ++b) {
      baton::pb::Envelope req, reply;
      *req.mutable_submit()->mutable_spec() = spec;
      baton::wire::ClientError err;
      const std::int64_t t0 = mono_ns();
      if (!clients[b]->call(req, reply, err)) die("submit failed: " + err.message);
      const std::int64_t t_ack = mono_ns();
      std::int64_t ts = 0;
      if (!read_stamp(fd, ts, 10000)) {
        ++failures;
        continue;
      }
      const double v = static_cast<double>(ts - t0) / 1e6;
      via[b].push_back(v);
      diff[b].push_back(v - d);
      ack[b].push_back(static_cast<double>(t_ack - t0) / 1e6);
      // Let the worker see the exit and report it: the next round starts on an idle worker.
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  }
  close(fd);
  unlink(fifo.c_str());
  std::printf("direct %s\n", summary(direct).c_str());
  for (std::size_t b = 0; b < nb; ++b) {
    std::printf("b%zu-baton %s\n", b, summary(via[b]).c_str());
    std::printf("b%zu-diff %s\n", b, summary(diff[b]).c_str());
    std::printf("b%zu-ack %s\n", b, summary(ack[b]).c_str());
  }
  std::printf("failures=%ld\n", failures);
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: baton_benchtool spawn-loop|latency|sim-workers|submit-jobs|start-latency|wake-latency ...");
  const std::string cmd = argv[1];
  if (cmd == "spawn-loop") return spawn_loop(argc - 2, argv + 2);
  if (cmd == "latency") return latency(argc - 2, argv + 2);
  if (cmd == "sim-workers") return sim_workers(argc - 2, argv + 2);
  if (cmd == "submit-jobs") return submit_jobs(argc - 2, argv + 2);
  if (cmd == "start-latency") return start_latency(argc - 2, argv + 2);
  if (cmd == "wake-latency") return wake_latency(argc - 2, argv + 2);
  die("unknown command " + cmd);
}
