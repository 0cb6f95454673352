#include "cmd/submit_options.h"

#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/array_spec.h"
#include "core/dependency.h"
#include "core/entries.h"
#include "core/resources.h"
#include "core/timefmt.h"
#include "exec/signal_names.h"

extern char** environ;

namespace baton::cli {

void define_submit_options(CLI::App& app, SubmitOptions& o) {
  auto last = CLI::MultiOptionPolicy::TakeLast;
  app.add_option("-J,--job-name", o.name, "Job name (default: the command's base name)")->multi_option_policy(last);
  app.add_option("-a,--array", o.array, "Array indices: 0-99, 1,3,5-9, 0-99:4; append %N to run at most N at once")->multi_option_policy(last);
  app.add_option("--each-line", o.each_line, "One task per line of FILE (- reads stdin), the line in BATON_ENTRY; task i is line i from 0, blank lines get none; -a %N throttles")->multi_option_policy(last);
  app.add_option("-d,--dependency", o.dependency,
                 "after|afterany|afterok|afternotok|aftercorr:JOBID[:JOBID...] joined by , (all) or ? (any); singleton")
      ->multi_option_policy(last);
  app.add_flag("--singleton", o.singleton, "Wait for earlier jobs with the same name and user to end (same as -d singleton)");
  app.add_option("-p,--priority", o.priority, "Priority (broker owner or root only); higher runs first")->multi_option_policy(last);
  app.add_option("--nice", o.nice, "Lower your job's priority by N (negative: owner or root only)")->multi_option_policy(last);
  app.add_option("-t,--time", o.time, "Time limit: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S (Slurm formats) or UNLIMITED")->multi_option_policy(last);
  app.add_option("-c,--cpus", o.cpus, "CPUs per task (default 1)")->multi_option_policy(last);
  app.add_option("--mem", o.mem, "Memory per task: 512M, 8G")->multi_option_policy(last);
  app.add_option("--gpus", o.gpus, "GPUs per task; the task gets CUDA_VISIBLE_DEVICES")->multi_option_policy(last);
  app.add_option("--resource", o.resources, "Named resource per task, NAME=N (repeatable)")->allow_extra_args(false);
  app.add_option("-q,--queue", o.queue, "Queue (default: default)")->multi_option_policy(last);
  app.add_option("--constraint", o.constraints, "Only run on workers labelled LABEL=VALUE (repeatable)")->allow_extra_args(false);
  app.add_option("-o,--output", o.output, "stdout file pattern: %j task id, %A array job, %a index, %x name, %u user, %N host, %% (%4a pads); default baton-%j.out or baton-%A_%a.out")->multi_option_policy(last);
  app.add_option("-e,--error", o.error, "stderr file pattern (default: into the stdout file)")->multi_option_policy(last);
  app.add_option("--open-mode", o.open_mode, "append or truncate (default) the output files")->multi_option_policy(last);
  app.add_option("-D,--chdir", o.chdir, "Working directory of the task (default: the submit directory)")->multi_option_policy(last);
  app.add_option("--export", o.export_vars, "Environment to pass: ALL (default), NONE, or VAR,VAR=value,... (ALL,VAR=value adds to all)")->multi_option_policy(last);
  app.add_option("--env", o.envs, "Set K=V in the task's environment (repeatable)")->allow_extra_args(false);
  app.add_flag("-H,--hold", o.hold, "Submit held; `baton release` lets it run");
  app.add_option("--begin", o.begin, "Start no earlier than: now+1h, 16:00, 2026-12-01T08:00, tomorrow")->multi_option_policy(last);
  app.add_option("--retries", o.retries, "Re-run a failed or timed-out task up to N times")->multi_option_policy(last);
  app.add_option("--retry-delay", o.retry_delay, "First retry delay, doubling each time (default 1s)")->multi_option_policy(last);
  app.add_option("--signal", o.signal, "Send SIG this many seconds before the time limit: USR1@60 (default 60)")->multi_option_policy(last);
  app.add_option("--kill-on-invalid-dep", o.kill_on_invalid_dep, "yes: cancel the job if its dependency can never be met; no: leave it pending")->multi_option_policy(last);
  app.add_option("--wrap", o.wrap, "Run this shell command line (as sh -c)")->multi_option_policy(last);
  app.add_flag("-W,--wait", o.wait, "Wait for the job to end; exit with its status");
  app.add_flag("--progress", o.progress, "With --wait, on a terminal: a one-line progress bar on stderr (see wait --progress)");
  app.add_flag("--parsable", o.parsable, "Print only the job id");
  app.add_flag("--quiet-unless-failed", o.quiet_unless_failed, "With --wait semantics: print nothing on success, the job's output if it failed (like chronic)");
}

std::unique_ptr<CLI::App> submit_app(SubmitOptions& o) {
  auto app = std::make_unique<CLI::App>("submit", "submit");
  define_submit_options(*app, o);
  // Global options typed after "submit" were applied by the main parser.
  static std::string ignored;
  static std::vector<std::string> ignored_list;
  app->add_option("--broker,--config", ignored);
  app->add_option("--set", ignored_list);
  app->add_flag("-v,--verbose,--quiet");
  app->prefix_command();
  return app;
}

std::vector<std::string> env_option_words(CLI::App& app) {
  std::vector<std::string> words;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_lnames().empty()) continue;
    const std::string& l = opt->get_lnames().front();
    if (l == "help") continue;
    std::string var = "BATON_SUBMIT_";
    for (char c : l) var += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const char* v = std::getenv(var.c_str());
    if (!v || !*v) continue;
    if (opt->get_type_size() == 0) {
      const std::string s = v;
      if (s != "0" && s != "false" && s != "no") words.push_back("--" + l);
    } else {
      words.push_back("--" + l + "=" + v);
    }
  }
  return words;
}

namespace {

std::string current_dir() {
  std::error_code ec;
  auto p = std::filesystem::current_path(ec);
  return ec ? "/" : p.string();
}

std::string absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return (std::filesystem::path(current_dir()) / path).lexically_normal().string();
}

Result<std::vector<std::string>> task_env(const std::string& mode, const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  auto add_current = [&] {
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
  };
  const std::string m = mode.empty() ? "ALL" : mode;
  std::vector<std::string> items;
  {
    std::string cur;
    for (char c : m) {
      if (c == ',') items.push_back(cur), cur.clear();
      else cur += c;
    }
    items.push_back(cur);
  }
  std::size_t i = 0;
  if (items[0] == "ALL") add_current(), i = 1;
  else if (items[0] == "NONE") i = 1;
  for (; i < items.size(); ++i) {
    const std::string& it = items[i];
    if (it.empty()) continue;
    if (it == "ALL" || it == "NONE") return Status::error("--export: ALL or NONE must come first, as in --export=ALL,VAR=value");
    if (it.find('=') != std::string::npos) {
      env.push_back(it);
    } else if (const char* v = std::getenv(it.c_str())) {
      env.push_back(it + "=" + v);
    }
  }
  for (const auto& kv : extra) {
    if (kv.find('=') == std::string::npos || kv[0] == '=') return Status::error("--env " + kv + ": expected KEY=VALUE");
    env.push_back(kv);
  }
  // Later entries win: keep the last value of each variable.
  std::vector<std::string> out;
  std::map<std::string, std::size_t> seen;
  for (auto& kv : env) {
    const std::string key = kv.substr(0, kv.find('='));
    auto it = seen.find(key);
    if (it != seen.end()) out[it->second] = kv;
    else seen[key] = out.size(), out.push_back(kv);
  }
  return out;
}

std::string hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

}  // namespace

namespace {
// "-a %N" with --each-line: throttle the file's lines, pick none.
bool throttle_only(const SubmitOptions& o) { return !o.each_line.empty() && !o.array.empty() && o.array[0] == '%'; }
}  // namespace

Result<pb::JobSpec> build_spec(const SubmitOptions& o, const std::vector<std::string>& command, const std::string* script) {
  pb::JobSpec s;
  auto bad = [](const std::string& opt, const std::string& why) -> Result<pb::JobSpec> {
    return Status::error(opt + ": " + why);
  };
  if (!o.wrap.empty()) {
    if (!command.empty()) return bad("--wrap", "give either --wrap or a command, not both");
    s.add_argv("/bin/sh");
    s.add_argv("-c");
    s.add_argv(o.wrap);
  } else if (script) {
    s.set_script(*script);
    s.set_script_path(absolute(command.at(0)));
    for (std::size_t i = 1; i < command.size(); ++i) s.add_argv(command[i]);
  } else {
    for (const auto& a : command) s.add_argv(a);
  }
  s.set_name(!o.name.empty() ? o.name : !o.wrap.empty() ? "wrap" : "");
  const uid_t uid = getuid();
  const passwd* pw = getpwuid(uid);
  s.set_user(pw ? pw->pw_name : std::to_string(uid));
  s.set_uid(uid);
  s.set_submit_dir(current_dir());
  s.set_submit_host(hostname());
  s.set_cwd(o.chdir.empty() ? current_dir() : absolute(o.chdir));
  auto env = task_env(o.export_vars, o.envs);
  if (!env) return env.status();
  for (auto& kv : *env) s.add_env(kv);
  s.set_stdout_pattern(o.output);
  s.set_stderr_pattern(o.error);
  if (!o.open_mode.empty() && o.open_mode != "append" && o.open_mode != "truncate")
    return bad("--open-mode", "expected append or truncate, got '" + o.open_mode + "'");
  s.set_open_append(o.open_mode == "append");

  if (o.cpus < 0 || o.cpus > 100000) return bad("--cpus", "expected a count of at least 1");
  s.mutable_resources()->set_cpus(static_cast<std::uint32_t>(std::max<std::int64_t>(1, o.cpus)));
  if (!o.mem.empty()) {
    std::uint64_t mb = 0;
    if (!parse_mem_mb(o.mem, mb)) return bad("--mem", "expected a size like 512M or 8G, got '" + o.mem + "'");
    s.mutable_resources()->set_mem_mb(mb);
  }
  if (o.gpus < 0) return bad("--gpus", "expected a count");
  s.mutable_resources()->set_gpus(static_cast<std::uint32_t>(o.gpus));
  for (const auto& r : o.resources) {
    auto eq = r.find('=');
    std::uint64_t n = 0;
    const std::string num = eq == std::string::npos ? "" : r.substr(eq + 1);
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
    if (eq == std::string::npos || eq == 0 || ec != std::errc() || p != num.data() + num.size() || num.empty())
      return bad("--resource", "expected NAME=N, got '" + r + "'");
    (*s.mutable_resources()->mutable_named())[r.substr(0, eq)] = n;
  }
  s.set_queue(o.queue);
  for (const auto& c : o.constraints) {
    auto eq = c.find('=');
    if (eq == std::string::npos || eq == 0) return bad("--constraint", "expected LABEL=VALUE, got '" + c + "'");
    (*s.mutable_constraints())[c.substr(0, eq)] = c.substr(eq + 1);
  }
  if (!o.time.empty()) {
    auto t = parse_time_limit(o.time);
    if (!t) return bad("--time", t.error());
    s.set_time_limit_s(*t);
  }
  s.set_priority(static_cast<std::int32_t>(o.priority));
  s.set_nice(static_cast<std::int32_t>(o.nice));
  if (o.retries < 0) return bad("--retries", "expected a count");
  s.set_retries(static_cast<std::uint32_t>(o.retries));
  auto delay = parse_duration(o.retry_delay.empty() ? "1s" : o.retry_delay);
  if (!delay) return bad("--retry-delay", delay.error());
  s.set_retry_delay_ms(*delay);

  std::string dep = o.dependency;
  if (o.singleton) {
    if (dep.find('?') != std::string::npos) return bad("--singleton", "cannot be added to a '?' (any-of) dependency");
    dep = dep.empty() ? "singleton" : dep + ",singleton";
  }
  if (auto d = parse_dependency(dep); !d) return bad("--dependency", d.error());
  s.set_dependency(dep);
  if (!o.array.empty() && !throttle_only(o)) {
    auto a = ArraySpec::parse(o.array, UINT64_MAX);
    if (!a) return bad("--array", a.error());
    s.set_array(o.array);
  }
  if (!o.begin.empty()) {
    const TimeMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
    auto b = parse_begin(o.begin, now);
    if (!b) return bad("--begin", b.error());
    s.set_begin_ms(*b);
  }
  s.set_hold(o.hold);
  if (!o.signal.empty()) {
    const auto at = o.signal.find('@');
    auto sig = parse_signal(o.signal.substr(0, at));
    std::int64_t secs = 60;
    if (at != std::string::npos) {
      const std::string n = o.signal.substr(at + 1);
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), secs);
      if (ec != std::errc() || p != n.data() + n.size() || secs < 0) return bad("--signal", "expected SIG@SECONDS, like USR1@60");
    }
    if (!sig) return bad("--signal", "unknown signal '" + o.signal.substr(0, at) + "'");
    s.set_warn_signal(*sig);
    s.set_warn_before_s(secs);
  }
  if (!o.kill_on_invalid_dep.empty()) {
    if (o.kill_on_invalid_dep == "yes") s.set_kill_on_invalid_dep(true);
    else if (o.kill_on_invalid_dep == "no") s.set_kill_on_invalid_dep(false);
    else return bad("--kill-on-invalid-dep", "expected yes or no");
  }
  return s;
}

Status add_entries(const SubmitOptions& o, pb::JobSpec& spec) {
  if (o.each_line.empty()) return Status::ok();
  auto bad = [](const std::string& opt, const std::string& why) { return Status::error(opt + ": " + why); };
  const bool from_stdin = o.each_line == "-";
  const std::string what = from_stdin ? "standard input" : o.each_line;
  std::string text;
  {
    std::ifstream file;
    if (!from_stdin) {
      file.open(o.each_line, std::ios::binary);
      if (!file) return bad("--each-line", "cannot read '" + o.each_line + "': " + std::strerror(errno));
    }
    std::istream& in = from_stdin ? std::cin : file;
    std::ostringstream all;
    all << in.rdbuf();
    if (in.bad()) return bad("--each-line", "cannot read " + what);
    text = std::move(all).str();
  }
  auto list = split_entries(text);
  if (!list) return bad("--each-line", what + ": " + list.error());
  if (o.array.empty() || throttle_only(o)) {
    spec.set_array(list->array + o.array);
  } else {
    auto a = ArraySpec::parse(o.array, UINT64_MAX);
    if (a && a->spec.max() >= list->lines)
      return bad("--array", "index " + std::to_string(a->spec.max()) + " is past the last line of " + what + " (index " +
                                std::to_string(list->lines - 1) + ")");
  }
  spec.set_entries(std::move(list->entries));
  return Status::ok();
}

CommandSplit split_command(const CLI::App& app, const std::vector<std::string>& words) {
  CommandSplit out;
  out.command = app.remaining();
  const std::size_t opt_end = words.size() - out.command.size();
  std::size_t cmd_start = opt_end;
  if (!out.command.empty() && out.command.front() == "--") {
    out.command.erase(out.command.begin());
    out.after_dashes = true;
  } else if (opt_end > 0 && words[opt_end - 1] == "--") {
    out.after_dashes = true;
    --cmd_start;
  }
  out.options.assign(words.begin(), words.begin() + static_cast<long>(cmd_start));
  return out;
}

}  // namespace baton::cli
