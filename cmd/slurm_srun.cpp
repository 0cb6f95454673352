// `srun`: inside a job (SLURM_JOB_ID or BATON_JOB_ID set) it runs the command
// in place, as a job step of one task (or -n N copies, each with its
// SLURM_PROCID), never as a new job: a job waiting on a nested one can
// deadlock its own CPUs. Outside a job it submits the command, waits for it
// and prints its output, like `baton submit --wait`.
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstring>
#include <iostream>

#include "cmd/slurm.h"
#include "cmd/submit_options.h"
#include "cmd/waiting.h"
#include "core/output_pattern.h"
#include "core/sbatch_options.h"
#include "core/slurm_options.h"

namespace baton::cli {

namespace {

enum Id { kNtasks = 1, kNodes, kOutput, kError, kInput, kChdir, kLabel, kSubmit, kIgnore, kRefuse, kHelp, kVersion };

// Options run in place ignore placement hints; kSubmit ones matter outside a job.
const std::vector<SlurmOption>& table() {
  using A = SlurmArg;
  static const std::vector<SlurmOption> t = {
      {'n', "ntasks", A::kRequired, kNtasks},       {'N', "nodes", A::kRequired, kNodes},
      {'o', "output", A::kRequired, kOutput},       {'e', "error", A::kRequired, kError},
      {'i', "input", A::kRequired, kInput},         {'D', "chdir", A::kRequired, kChdir},
      {'c', "cpus-per-task", A::kRequired, kSubmit}, {'J', "job-name", A::kRequired, kSubmit},
      {'t', "time", A::kRequired, kSubmit},         {0, "mem", A::kRequired, kSubmit},
      {0, "mem-per-cpu", A::kRequired, kSubmit},    {'G', "gpus", A::kRequired, kSubmit},
      {0, "gres", A::kRequired, kSubmit},           {'p', "partition", A::kRequired, kSubmit},
      {0, "export", A::kRequired, kSubmit},         {'d', "dependency", A::kRequired, kSubmit},
      {0, "gpus-per-task", A::kRequired, kSubmit},  {'A', "account", A::kRequired, kIgnore},
      {'q', "qos", A::kRequired, kIgnore},          {0, "cpu-bind", A::kRequired, kIgnore},
      {0, "cpu_bind", A::kRequired, kIgnore},       {0, "exclusive", A::kOptional, kIgnore},
      {'u', "unbuffered", A::kNone, kIgnore},       {'l', "label", A::kNone, kLabel},
      {0, "mpi", A::kRequired, kIgnore},            {'K', "kill-on-bad-exit", A::kOptional, kIgnore},
      {'W', "wait", A::kRequired, kIgnore},         {'Q', "quiet", A::kNone, kIgnore},
      {'v', "verbose", A::kNone, kIgnore},          {0, "overlap", A::kNone, kIgnore},
      {0, "jobid", A::kRequired, kIgnore},          {0, "pty", A::kNone, kIgnore},
      {0, "open-mode", A::kRequired, kIgnore},      {0, "ntasks-per-node", A::kRequired, kIgnore},
      {'m', "distribution", A::kRequired, kIgnore}, {0, "hint", A::kRequired, kIgnore},
      {'w', "nodelist", A::kRequired, kIgnore},     {'x', "exclude", A::kRequired, kIgnore},
      {0, "cpu-freq", A::kRequired, kIgnore},       {0, "mem-bind", A::kRequired, kIgnore},
      {'O', "overcommit", A::kNone, kIgnore},       {'s', "oversubscribe", A::kNone, kIgnore},
      {0, "gpu-bind", A::kRequired, kIgnore},       {'C', "constraint", A::kRequired, kIgnore},
      {'M', "clusters", A::kRequired, kIgnore},     {0, "comment", A::kRequired, kIgnore},
      {0, "het-group", A::kRequired, kRefuse},      {0, "multi-prog", A::kNone, kRefuse},
      {'h', "help", A::kNone, kHelp},               {'V', "version", A::kNone, kVersion},
  };
  return t;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// An srun -o/-e pattern for task `rank` of this step.
std::string step_file(std::string pattern, int rank) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size() && (pattern[i + 1] == 't' || pattern[i + 1] == 's')) {
      out += pattern[i + 1] == 't' ? std::to_string(rank) : "0";
      ++i;
    } else if (pattern[i] == '%' && i + 1 < pattern.size() && pattern[i + 1] == '%') {
      out += "%%";
      ++i;
    } else {
      out += pattern[i];
    }
  }
  PatternValues v;
  v.job = std::strtoull(env_or("SLURM_JOB_ID", env_or("BATON_JOB_ID", "0")).c_str(), nullptr, 10);
  v.is_array = std::getenv("SLURM_ARRAY_TASK_ID") != nullptr;
  v.index = static_cast<std::uint32_t>(std::strtoul(env_or("SLURM_ARRAY_TASK_ID", "0").c_str(), nullptr, 10));
  v.name = env_or("SLURM_JOB_NAME", env_or("BATON_JOB_NAME", ""));
  v.user = env_or("USER", "");
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  v.host = env_or("SLURMD_NODENAME", host);
  return expand_pattern(out, v);
}

bool redirect(const std::string& pattern, int rank, int fd, int flags) {
  if (pattern.empty() || pattern == "none") return true;
  const std::string path = step_file(pattern, rank);
  const int f = open(path.c_str(), flags, 0666);
  if (f < 0) {
    std::cerr << "srun: error: " << path << ": " << std::strerror(errno) << "\n";
    return false;
  }
  dup2(f, fd);
  close(f);
  return true;
}

// In the calling process: set the step's variables, redirect, exec. Returns only on failure.
int exec_task(const std::vector<std::string>& cmd, int rank, int ntasks, const std::string& out, const std::string& err,
              const std::string& in) {
  setenv("SLURM_PROCID", std::to_string(rank).c_str(), 1);
  setenv("SLURM_LOCALID", std::to_string(rank).c_str(), 1);
  setenv("SLURM_NTASKS", std::to_string(ntasks).c_str(), 1);
  setenv("SLURM_NPROCS", std::to_string(ntasks).c_str(), 1);
  setenv("SLURM_STEP_ID", "0", 1);
  setenv("SLURM_STEPID", "0", 1);
  setenv("SLURM_STEP_NUM_TASKS", std::to_string(ntasks).c_str(), 1);
  if (!in.empty() && in != "none" && !redirect(in, rank, STDIN_FILENO, O_RDONLY)) return 1;
  if (!redirect(out, rank, STDOUT_FILENO, O_WRONLY | O_CREAT | O_TRUNC)) return 1;
  if (!redirect(err.empty() ? "" : err, rank, STDERR_FILENO, O_WRONLY | O_CREAT | O_TRUNC)) return 1;
  if (err.empty() && !out.empty() && out != "none") dup2(STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> argv;
  for (const auto& a : cmd) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  std::cerr << "srun: error: " << cmd[0] << ": " << std::strerror(errno) << "\n";
  return errno == ENOENT ? 127 : 126;
}

// One rank's output stream read through a pipe, for -l: each line goes out
// prefixed with "RANK: ", as srun labels them.
struct Labelled {
  int fd;
  int rank;
  int out;  // STDOUT_FILENO or STDERR_FILENO
  std::string partial;
};

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

void pump_labels(std::vector<Labelled>& streams) {
  std::vector<pollfd> fds;
  while (true) {
    fds.clear();
    for (const Labelled& l : streams)
      if (l.fd >= 0) fds.push_back(pollfd{l.fd, POLLIN, 0});
    if (fds.empty()) return;
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
    for (Labelled& l : streams) {
      if (l.fd < 0) continue;
      const auto it = std::find_if(fds.begin(), fds.end(), [&](const pollfd& p) { return p.fd == l.fd; });
      if (it == fds.end() || !it->revents) continue;
      char buf[4096];
      const ssize_t n = read(l.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) l.partial.append(buf, static_cast<std::size_t>(n));
      std::string out;
      std::size_t nl;
      while ((nl = l.partial.find('\n')) != std::string::npos) {
        out += std::to_string(l.rank) + ": " + l.partial.substr(0, nl + 1);
        l.partial.erase(0, nl + 1);
      }
      if (n <= 0) {  // end of the stream: a last line without its newline
        if (!l.partial.empty()) out += std::to_string(l.rank) + ": " + l.partial + "\n";
        close(l.fd);
        l.fd = -1;
      }
      write_all(l.out, out);
    }
  }
}

int run_in_job(const std::vector<std::string>& cmd, int ntasks, const std::string& out, const std::string& err,
               const std::string& in, bool label) {
  std::cout.flush();
  const bool pipe_out = label && out.empty(), pipe_err = label && err.empty() && out.empty();
  if (ntasks <= 1 && !pipe_out) return exec_task(cmd, 0, 1, out, err, in);
  std::vector<pid_t> pids;
  std::vector<Labelled> streams;
  for (int rank = 0; rank < ntasks; ++rank) {
    int po[2] = {-1, -1}, pe[2] = {-1, -1};
    if (pipe_out && pipe(po) != 0) return 1;
    if (pipe_err && pipe(pe) != 0) return 1;
    const pid_t pid = fork();
    if (pid == 0) {
      if (pipe_out) dup2(po[1], STDOUT_FILENO), close(po[0]), close(po[1]);
      if (pipe_err) dup2(pe[1], STDERR_FILENO), close(pe[0]), close(pe[1]);
      for (const Labelled& l : streams) close(l.fd);
      _exit(exec_task(cmd, rank, ntasks, out, err, in));
    }
    if (pid > 0) pids.push_back(pid);
    if (pipe_out) close(po[1]), streams.push_back({po[0], rank, STDOUT_FILENO, {}});
    if (pipe_err) close(pe[1]), streams.push_back({pe[0], rank, STDERR_FILENO, {}});
  }
  pump_labels(streams);
  int worst = 0;
  for (pid_t pid : pids) {
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    const int code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
    worst = std::max(worst, code);
  }
  return worst;
}

// Prints a finished task's output, fetched through the broker.
void print_output(const SlurmTool& t, std::uint64_t id) {
  std::uint64_t offset = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    pb::Envelope req, reply;
    req.mutable_logs()->set_target(std::to_string(id));
    req.mutable_logs()->set_offset(offset);
    int code = 0;
    if (!t.ctx.call(req, reply, code)) return;
    const std::string& data = reply.logs_reply().data();
    if (data.empty()) return;
    std::cout.write(data.data(), static_cast<std::streamsize>(data.size()));
    offset = reply.logs_reply().offset() + data.size();
  }
}

int run_outside(SlurmTool& t, const std::vector<std::string>& submit_options, const std::vector<std::string>& cmd) {
  auto req = translate_sbatch(submit_options, false);
  if (!req) return t.error(kRefused, req.error());
  SubmitOptions o;
  auto app = submit_app(o);
  std::vector<std::string> words = req->submit_words;
  if (!req->partitions.empty()) words.push_back("--queue=" + req->partitions.front());
  std::reverse(words.begin(), words.end());
  try {
    app->parse(words);
  } catch (const CLI::ParseError& e) {
    return t.error(kRefused, e.what());
  }
  if (o.name.empty()) o.name = cmd[0].substr(cmd[0].rfind('/') + 1);
  auto spec = build_spec(o, cmd, nullptr);
  if (!spec) return t.error(kRefused, spec.error());
  pb::Envelope env, reply;
  *env.mutable_submit()->mutable_spec() = *spec;
  int code = 0;
  if (!t.ctx.call(env, reply, code)) return code;
  const std::uint64_t id = reply.submit_reply().job_id();
  const int status = wait_jobs(t.ctx, {std::to_string(id)}, WaitOptions{});
  print_output(t, id);
  return status;
}

}  // namespace

int slurm_srun(SlurmTool& t, const std::vector<std::string>& args) {
  auto parsed = parse_slurm_options(args, table(), false);
  if (!parsed) return t.error(kRefused, parsed.error());
  int ntasks = 1;
  std::string out, err, in, chdir_to;
  bool label = false;
  std::vector<std::string> submit_words;
  for (const SlurmWord& w : parsed->options) {
    const std::string v = w.value.value_or("");
    switch (w.id) {
      case kNtasks:
        ntasks = std::atoi(v.c_str());
        if (ntasks < 1) return t.error(kRefused, "Invalid number of tasks: " + v);
        break;
      case kNodes:
        if (std::atoi(v.c_str()) > 1) return t.error(kRefused, w.name + "=" + v + ": baton runs each job on one host");
        break;
      case kOutput: out = v; break;
      case kError: err = v; break;
      case kInput: in = v; break;
      case kChdir: chdir_to = v; break;
      case kLabel: label = true; break;
      case kSubmit: submit_words.push_back("--" + w.long_name + "=" + v); break;
      case kRefuse: return t.error(kRefused, w.name + " is not supported by baton");
      case kHelp: std::cout << "Usage: srun [OPTIONS] CMD [ARGS...]  (baton's srun; see baton-slurm(7))\n"; return kOk;
      case kVersion: std::cout << "slurm (baton " << BATON_VERSION_STRING << ")\n"; return kOk;
      default: break;
    }
  }
  const std::vector<std::string>& cmd = parsed->operands;
  if (cmd.empty()) return t.error(kRefused, "No command given to execute.");
  const bool in_job = std::getenv("SLURM_JOB_ID") || std::getenv("BATON_JOB_ID");
  if (in_job) {
    if (!chdir_to.empty() && chdir(chdir_to.c_str()) != 0)
      return t.error(kRefused, "chdir " + chdir_to + ": " + std::strerror(errno));
    return run_in_job(cmd, ntasks, out, err, in, label);
  }
  if (ntasks > 1) return t.error(kRefused, "-n " + std::to_string(ntasks) + ": outside a job, baton runs one task");
  if (!chdir_to.empty()) submit_words.push_back("--chdir=" + chdir_to);
  submit_words.push_back("--output=" + std::string(".srun-%j.out"));
  return run_outside(t, submit_words, cmd);
}

}  // namespace baton::cli
