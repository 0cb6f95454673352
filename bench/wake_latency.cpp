// baton_benchtool wake-latency: what one wake-up costs on this machine, the
// floor under every hop between baton's processes (usage in benchtool.cpp).
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "bench/benchtool.h"

namespace benchtool {

namespace {

// The two ends of a ZeroMQ round trip, rounds + 1 of them (round 0 waits for
// the connection and is not timed). Each receive gives up after 10 s.
bool echo(zmq::socket_t& s, long rounds) {
  s.set(zmq::sockopt::rcvtimeo, 10000);
  for (long r = 0; r <= rounds; ++r) {
    zmq::message_t m;
    if (!s.recv(m)) return false;
    s.send(m, zmq::send_flags::none);
  }
  return true;
}

bool time_round_trips(zmq::socket_t& s, long rounds, std::vector<double>& rtt) {
  s.set(zmq::sockopt::rcvtimeo, 10000);
  for (long r = 0; r <= rounds; ++r) {
    if (r > 0) usleep(1000);  // the peer goes back to sleep in between
    const std::int64_t t0 = mono_ns();
    s.send(zmq::str_buffer("x"), zmq::send_flags::none);
    zmq::message_t m;
    if (!s.recv(m)) return false;
    if (r > 0) rtt.push_back(static_cast<double>(mono_ns() - t0) / 1e6);
  }
  return true;
}

// One round trip per round between this process and a forked peer that both
// sleep in between. pin >= 0 puts this process on cpu 0 and the peer on cpu
// `pin` (0: the same cpu, 1: another one, so that every wake crosses cpus).
std::vector<double> pipe_round_trips(long rounds, int pin) {
  auto pin_to = [](int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity failed (fewer cpus?)");
  };
  int there[2], back[2];
  if (pipe(there) != 0 || pipe(back) != 0) die("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) die("fork failed");
  char byte = 'x';
  if (pid == 0) {
    if (pin >= 0) pin_to(pin);
    for (long r = 0; r <= rounds; ++r)
      if (read(there[0], &byte, 1) != 1 || write(back[1], &byte, 1) != 1) _exit(1);
    _exit(0);
  }
  cpu_set_t before;
  sched_getaffinity(0, sizeof before, &before);
  if (pin >= 0) pin_to(0);
  std::vector<double> rtt;
  for (long r = 0; r <= rounds; ++r) {  // round 0 lets the peer settle on its cpu
    usleep(1000);
    const std::int64_t t0 = mono_ns();
    if (write(there[1], &byte, 1) != 1 || read(back[0], &byte, 1) != 1) die("pipe round trip failed");
    if (r > 0) rtt.push_back(static_cast<double>(mono_ns() - t0) / 1e6);
  }
  sched_setaffinity(0, sizeof before, &before);
  if (wait_exit(pid) != 0) die("pipe peer failed");
  for (int fd : {there[0], there[1], back[0], back[1]}) close(fd);
  return rtt;
}

std::vector<double> zmq_round_trips(long rounds) {
  char dir[] = "/tmp/baton-wake.XXXXXX";
  if (!mkdtemp(dir)) die("mkdtemp failed");
  const std::string ep = std::string("ipc://") + dir + "/s";
  const pid_t pid = fork();
  if (pid < 0) die("fork failed");
  if (pid == 0) {
    zmq::context_t ctx(1);
    zmq::socket_t s(ctx, zmq::socket_type::pair);
    s.bind(ep);
    if (!echo(s, rounds)) _exit(1);
    s.set(zmq::sockopt::linger, 1000);  // the last reply leaves before the exit
    s.close();
    ctx.close();
    _exit(0);
  }
  std::vector<double> rtt;
  {
    zmq::context_t ctx(1);
    zmq::socket_t s(ctx, zmq::socket_type::pair);
    s.set(zmq::sockopt::reconnect_ivl, 10);
    s.connect(ep);
    if (!time_round_trips(s, rounds, rtt)) die("zmq round trip timed out");
    s.set(zmq::sockopt::linger, 0);
  }
  if (wait_exit(pid) != 0) die("zmq peer failed");
  unlink((std::string(dir) + "/s").c_str());
  rmdir(dir);
  return rtt;
}

// The same between two threads of this process over inproc:// (no I/O
// thread: each side wakes the other directly), as a broker and a worker
// sharing a process could talk.
std::vector<double> zmq_inproc_round_trips(long rounds) {
  zmq::context_t ctx(1);
  zmq::socket_t near(ctx, zmq::socket_type::pair);
  near.bind("inproc://wake-latency");
  std::thread peer([&ctx, rounds] {
    zmq::socket_t far(ctx, zmq::socket_type::pair);
    far.connect("inproc://wake-latency");
    echo(far, rounds);
  });
  std::vector<double> rtt;
  const bool ok = time_round_trips(near, rounds, rtt);
  peer.join();
  if (!ok) die("zmq inproc round trip timed out");
  return rtt;
}

}  // namespace

int wake_latency(int argc, char** argv) {
  long rounds = 500;
  for (int i = 0; i < argc; i += 2) {
    if (std::string(argv[i]) != "--rounds" || i + 1 >= argc) die("usage: wake-latency [--rounds R]");
    rounds = std::max(1L, std::atol(argv[i + 1]));
  }
  std::printf("pipe-rtt-same-cpu %s\n", summary(pipe_round_trips(rounds, 0)).c_str());
  if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
    std::printf("pipe-rtt-other-cpu %s\n", summary(pipe_round_trips(rounds, 1)).c_str());
  std::printf("zmq-ipc-rtt %s\n", summary(zmq_round_trips(rounds)).c_str());
  std::printf("zmq-inproc-rtt %s\n", summary(zmq_inproc_round_trips(rounds)).c_str());
  return 0;
}

}  // namespace benchtool
