#include "core/worker_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <tuple>

#include "core/entries.h"
#include "core/ids.h"
#include "core/output_pattern.h"
#include "core/slurm_env.h"

namespace baton {

WorkerEngine::WorkerEngine(WorkerConfig cfg, Launcher& launcher, OutputReader& reader, Outbox& out, TimeMs now)
    : cfg_(std::move(cfg)), launcher_(launcher), reader_(reader), out_(out), last_heard_(now), next_heartbeat_(now) {}

void WorkerEngine::send(pb::Envelope msg) { out_.send(Channel::Worker, {}, std::move(msg)); }

void WorkerEngine::on_connected(TimeMs now) {
  registered_ = false;
  // The broker sends specs again to a new registration; queued tasks keep theirs.
  std::erase_if(jobs_, [&](const auto& kv) {
    return std::none_of(queue_.begin(), queue_.end(), [&](const pb::Assignment& a) { return a.task().job() == kv.first; });
  });
  last_heard_ = now;
  pb::Envelope env;
  pb::Register* r = env.mutable_register_();
  r->set_name(cfg_.name);
  r->set_host(cfg_.host);
  cfg_.capacity.to_proto(r->mutable_capacity());
  for (const auto& q : cfg_.queues) r->add_queues(q);
  for (const auto& [k, v] : cfg_.labels) (*r->mutable_labels())[k] = v;
  r->set_weight(cfg_.weight);
  for (auto g : cfg_.gpu_ids) r->add_gpu_ids(g);
  for (const auto& [key, t] : tasks_) {
    pb::RunningTask* rt = r->add_running();
    *rt->mutable_task() = t.ref;
    rt->set_start_ms(t.start_ms);
  }
  for (const auto& a : queue_) *r->add_running()->mutable_task() = a.task();  // not started: no start time
  for (const auto& res : unacked_) *r->add_unacked() = res;
  r->set_draining(draining_);
  r->set_version(BATON_VERSION_STRING);
  send(std::move(env));
  register_sent_ = now;
  next_heartbeat_ = now + cfg_.heartbeat_ms;
}

bool WorkerEngine::broker_lost(TimeMs now) const {
  return now - last_heard_ > static_cast<TimeMs>(cfg_.liveness) * cfg_.heartbeat_ms;
}

void WorkerEngine::on_message(const pb::Envelope& msg, TimeMs now) {
  last_heard_ = now;
  switch (msg.body_case()) {
    case pb::Envelope::kRegistered:
      if (!registered_) spdlog::info("registered with broker {}", msg.registered().broker_id());
      registered_ = true;
      next_resend_ = now + 2 * cfg_.heartbeat_ms;
      break;
    case pb::Envelope::kHeartbeat: break;
    case pb::Envelope::kAssign:
      for (const auto& a : msg.assign().tasks()) start(a, now);
      break;
    case pb::Envelope::kFinishedAck:
      for (const auto& t : msg.finished_ack().tasks()) {
        std::erase_if(unacked_, [&](const pb::TaskResult& r) {
          return r.task().job() == t.job() && r.task().index() == t.index() && r.task().attempt() == t.attempt();
        });
      }
      break;
    case pb::Envelope::kKill: {
      const pb::Kill& k = msg.kill();
      auto q = std::find_if(queue_.begin(), queue_.end(), [&](const pb::Assignment& a) {
        return a.task().job() == k.task().job() && a.task().index() == k.task().index() &&
               a.task().attempt() == k.task().attempt();
      });
      if (q != queue_.end()) {
        // Not started: nothing to signal; a cancel ends it here and now.
        if (k.terminate()) {
          const pb::Assignment a = std::move(*q);
          queue_.erase(q);
          unqueue(a, pb::KILLED_CANCEL, "cancelled before it started", now);
        }
        break;
      }
      auto it = tasks_.find({k.task().job(), k.task().index()});
      if (it == tasks_.end() || it->second.ref.attempt() != k.task().attempt()) break;
      if (k.terminate()) {
        it->second.cancelled = true;
        terminate(it->second, now);
      } else if (k.signal() > 0) {
        launcher_.signal_group(it->second.pid, k.signal());
      }
      break;
    }
    case pb::Envelope::kReadLog: answer_read(msg.read_log()); break;
    case pb::Envelope::kDisconnect:
      // A restarted broker answers every message it does not know with
      // "register again"; one registration in flight is enough.
      if (!registered_ && now - register_sent_ < cfg_.heartbeat_ms) break;
      spdlog::info("broker asked to register again: {}", msg.disconnect().reason());
      on_connected(now);
      break;
    default:
      spdlog::warn("unexpected message from the broker ignored");
  }
}

namespace {

// Variables the worker sets for each task; inherited values (a job submitted
// from inside another task) are dropped so they cannot leak through.
bool set_per_task(std::string_view key, bool sets_cuda) {
  static constexpr std::string_view kOwn[] = {
      "BATON_JOB_ID", "BATON_TASK_ID", "BATON_JOB_NAME", "BATON_ATTEMPT", "BATON_CPUS", "BATON_WORKER",
      "BATON_SUBMIT_DIR", "BATON_ARRAY_JOB_ID", "BATON_ARRAY_TASK_ID", "BATON_ARRAY_TASK_COUNT",
      "BATON_ARRAY_TASK_MIN", "BATON_ARRAY_TASK_MAX", "BATON_ENTRY"};
  for (std::string_view k : kOwn)
    if (key == k) return true;
  if (is_slurm_task_var(key)) return true;
  return sets_cuda && key == "CUDA_VISIBLE_DEVICES";
}

}  // namespace

const WorkerEngine::CachedJob& WorkerEngine::remember(std::uint64_t job, const pb::JobSpec& spec) {
  if (jobs_.size() >= kCachedJobs) {
    // Forget jobs with nothing running here; the broker re-sends on NEED_SPEC.
    for (auto it = jobs_.begin(); it != jobs_.end() && jobs_.size() >= kCachedJobs / 2;) {
      const bool running = std::any_of(tasks_.begin(), tasks_.end(),
                                       [&](const auto& kv) { return kv.first.first == it->first; }) ||
                           std::any_of(queue_.begin(), queue_.end(),
                                       [&](const pb::Assignment& a) { return a.task().job() == it->first; });
      it = running ? std::next(it) : jobs_.erase(it);
    }
  }
  CachedJob& c = jobs_[job];
  c.spec = spec;
  c.entry_starts = spec.entries().empty() ? std::vector<std::uint32_t>{} : entry_starts(spec.entries());
  c.base_env.clear();
  std::map<std::string, std::string> env;
  const bool sets_cuda = !cfg_.gpu_ids.empty();
  for (const std::string& kv : spec.env()) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string key = kv.substr(0, eq);
    if (set_per_task(key, sets_cuda)) continue;
    env[std::move(key)] = kv.substr(eq + 1);
  }
  env.try_emplace("PATH", "/usr/local/bin:/usr/bin:/bin");
  for (auto& [k, v] : env) c.base_env.push_back(k + "=" + v);
  return c;
}

LaunchSpec WorkerEngine::launch_spec(const pb::Assignment& a, const CachedJob& job) const {
  const pb::JobSpec& s = job.spec;
  LaunchSpec l;
  l.task = TaskId{a.task().job(), a.task().index()};
  l.attempt = a.task().attempt();
  l.argv.assign(s.argv().begin(), s.argv().end());
  l.script = s.script();
  l.append = s.open_append();
  l.limits.mem_mb = s.resources().mem_mb();
  l.limits.cpus = std::max<std::uint32_t>(1, s.resources().cpus());
  if (cfg_.run_as_submitter) {
    l.run_as = s.user();
    l.allow_root = cfg_.allow_root_jobs;
  }

  l.env.reserve(job.base_env.size() + 48);
  l.env.insert(l.env.end(), job.base_env.begin(), job.base_env.end());
  auto set = [&l](const char* k, const std::string& v) { l.env.push_back(std::string(k) + "=" + v); };
  set("BATON_JOB_ID", std::to_string(a.task().job()));
  set("BATON_TASK_ID", format_task(a.task().job(), a.task().index(), a.is_array()));
  set("BATON_JOB_NAME", s.name());
  set("BATON_ATTEMPT", std::to_string(a.task().attempt()));
  set("BATON_CPUS", std::to_string(std::max<std::uint32_t>(1, s.resources().cpus())));
  set("BATON_WORKER", cfg_.name);
  set("BATON_SUBMIT_DIR", s.submit_dir());
  if (a.is_array()) {
    set("BATON_ARRAY_JOB_ID", std::to_string(a.task().job()));
    set("BATON_ARRAY_TASK_ID", std::to_string(a.task().index()));
    set("BATON_ARRAY_TASK_COUNT", std::to_string(a.array_count()));
    set("BATON_ARRAY_TASK_MIN", std::to_string(a.array_min()));
    set("BATON_ARRAY_TASK_MAX", std::to_string(a.array_max()));
  }
  if (!job.entry_starts.empty()) {
    const std::string_view line = entry_at(s.entries(), job.entry_starts, a.task().index());
    l.env.push_back(std::string("BATON_ENTRY=").append(line));
  }
  SlurmTaskFacts slurm;
  slurm.job = a.task().job();
  slurm.index = a.task().index();
  slurm.is_array = a.is_array();
  slurm.array_count = a.array_count();
  slurm.array_min = a.array_min();
  slurm.array_max = a.array_max();
  slurm.attempt = a.task().attempt();
  slurm.name = s.name();
  slurm.user = s.user();
  slurm.queue = s.queue();
  slurm.host = cfg_.host;
  slurm.submit_dir = s.submit_dir();
  slurm.submit_host = s.submit_host();
  slurm.cpus = s.resources().cpus();
  slurm.mem_mb = s.resources().mem_mb();
  slurm.gpus = static_cast<std::uint32_t>(a.gpus_size());
  for (std::string& kv : slurm_task_env(slurm)) l.env.push_back(std::move(kv));
  if (!cfg_.gpu_ids.empty() || a.gpus_size() > 0) {
    std::string gpus;
    for (auto g : a.gpus()) gpus += (gpus.empty() ? "" : ",") + std::to_string(g);
    set("CUDA_VISIBLE_DEVICES", gpus);  // empty hides the host's GPUs from tasks that asked for none
  }

  TaskFiles files = task_files(s, {a.task().job(), a.task().index(), a.is_array(), s.name(), s.user(), cfg_.host});
  l.cwd = std::move(files.cwd);
  l.stdout_path = std::move(files.stdout_path);
  l.stderr_path = std::move(files.stderr_path);
  return l;
}

void WorkerEngine::start(const pb::Assignment& a, TimeMs now) {
  const Key key{a.task().job(), a.task().index()};
  for (auto q = queue_.begin(); q != queue_.end(); ++q) {
    if (q->task().job() != key.first || q->task().index() != key.second) continue;
    if (q->task().attempt() >= a.task().attempt()) return;  // duplicate delivery
    queue_.erase(q);  // a newer attempt replaces one that never started
    break;
  }
  auto existing = tasks_.find(key);
  if (existing != tasks_.end()) {
    if (existing->second.ref.attempt() >= a.task().attempt()) return;  // duplicate delivery
    // A newer attempt of a task we still run: the old one is stale.
    existing->second.handed_back = true;
    terminate(existing->second, now);
  }
  pb::TaskResult r;
  *r.mutable_task() = a.task();
  if (draining_) {
    r.set_outcome(pb::HANDED_BACK);
    r.set_error("worker is draining");
    report(std::move(r));
    return;
  }
  const CachedJob* job = nullptr;
  if (!a.spec_cached()) {
    job = &remember(a.task().job(), a.spec());
  } else if (auto it = jobs_.find(a.task().job()); it != jobs_.end()) {
    job = &it->second;
  } else {
    r.set_outcome(pb::NEED_SPEC);
    r.set_error("no spec for job " + std::to_string(a.task().job()) + " on this worker");
    report(std::move(r));
    return;
  }
  if (a.queued() && !requested(job->spec).fits_beside(used_, cfg_.capacity)) {
    queue_.push_back(a);
    queue_.back().clear_spec();  // jobs_ has it
    queue_.back().set_spec_cached(true);
    return;
  }
  launch(a, *job, now);
}

void WorkerEngine::launch(const pb::Assignment& a, const CachedJob& job, TimeMs now) {
  const Key key{a.task().job(), a.task().index()};
  pb::TaskResult r;
  *r.mutable_task() = a.task();
  auto pid = launcher_.launch(launch_spec(a, job));
  if (!pid) {
    spdlog::warn("task {}: {}", format_task(a.task().job(), a.task().index(), a.is_array()), pid.error());
    r.set_outcome(pb::LAUNCH_FAILED);
    r.set_exit_code(127);
    r.set_error(pid.error());
    r.set_start_ms(now);
    r.set_end_ms(now);
    report(std::move(r));
    return;
  }
  Task t;
  t.ref = a.task();
  t.need = requested(job.spec);
  used_ += t.need;
  t.pid = *pid;
  t.start_ms = now;
  const std::int64_t limit = job.spec.time_limit_s();
  if (limit > 0) t.limit_at = now + limit * kSecond;
  if (job.spec.warn_signal() > 0) {
    t.warn_signal = job.spec.warn_signal();
    t.warn_at = limit > 0 ? t.limit_at - job.spec.warn_before_s() * kSecond : kNever;
  }
  by_pid_[t.pid] = key;
  tasks_[key] = t;
  pb::Envelope env;
  *env.mutable_started()->mutable_task() = a.task();
  env.mutable_started()->set_start_ms(now);
  send(std::move(env));
}

void WorkerEngine::start_queued(TimeMs now) {
  if (draining_) return;
  for (auto q = queue_.begin(); q != queue_.end();) {
    auto job = jobs_.find(q->task().job());
    if (job == jobs_.end()) {
      // Its spec is gone (a cache that should have kept it): ask again.
      const pb::Assignment a = std::move(*q);
      q = queue_.erase(q);
      unqueue(a, pb::NEED_SPEC, "no spec for the job on this worker", now);
      continue;
    }
    if (!requested(job->second.spec).fits_beside(used_, cfg_.capacity)) {
      ++q;
      continue;
    }
    const pb::Assignment a = std::move(*q);
    q = queue_.erase(q);
    launch(a, job->second, now);
  }
}

void WorkerEngine::unqueue(const pb::Assignment& a, pb::Outcome outcome, const char* why, TimeMs now) {
  pb::TaskResult r;
  *r.mutable_task() = a.task();
  r.set_outcome(outcome);
  r.set_error(why);
  r.set_end_ms(now);
  report(std::move(r));
}

void WorkerEngine::hand_back_queue(TimeMs now) {
  while (!queue_.empty()) {
    const pb::Assignment a = std::move(queue_.front());
    queue_.pop_front();
    unqueue(a, pb::HANDED_BACK, "worker is draining", now);
  }
}

void WorkerEngine::answer_read(const pb::ReadLog& m) {
  OutputRead r;
  r.path = m.path();
  r.offset = m.offset();
  if (m.has_tail_lines()) r.tail_lines = m.tail_lines();
  r.max_bytes = m.max_bytes() ? std::min(m.max_bytes(), kMaxLogChunk) : kMaxLogChunk;
  // A task that ran as its submitter wrote a file that user owns; anything
  // else at that path is not this job's output (and root must not read it).
  if (cfg_.run_as_submitter) r.owner = m.user();
  pb::Envelope env;
  pb::LogChunk* c = env.mutable_log_chunk();
  c->set_read_id(m.read_id());
  auto got = reader_.read(r);
  if (!got) {
    c->set_error(got.error());
  } else {
    c->set_data(std::move(got->data));
    c->set_offset(got->offset);
    c->set_size(got->size);
  }
  send(std::move(env));
}

void WorkerEngine::terminate(Task& t, TimeMs now) {
  if (t.kill_at != kNever) return;  // already terminating
  launcher_.signal_group(t.pid, SIGTERM);
  t.kill_at = now + cfg_.kill_grace_ms;
}

void WorkerEngine::report(pb::TaskResult r) {
  unacked_.push_back(r);
  pb::Envelope env;
  *env.mutable_finished()->mutable_result() = std::move(r);
  send(std::move(env));
}

void WorkerEngine::on_exit(const ProcessExit& e, TimeMs now) {
  auto p = by_pid_.find(e.pid);
  if (p == by_pid_.end()) return;
  auto it = tasks_.find(p->second);
  by_pid_.erase(p);
  // A replaced (stale) attempt's process ends unreported: its task moved on.
  if (it == tasks_.end() || it->second.pid != e.pid) return;
  const Task& t = it->second;
  pb::TaskResult r;
  *r.mutable_task() = t.ref;
  r.set_outcome(t.handed_back ? pb::HANDED_BACK
                : t.cancelled ? pb::KILLED_CANCEL
                : t.timed_out ? pb::TIMED_OUT
                : e.out_of_memory && (e.signal != 0 || e.exit_code != 0) ? pb::KILLED_OOM
                              : pb::EXITED);
  r.set_exit_code(e.exit_code);
  r.set_signal(e.signal);
  r.set_start_ms(t.start_ms);
  r.set_end_ms(now);
  r.set_max_rss_kb(e.max_rss_kb);
  r.set_cpu_ms(e.cpu_ms);
  used_ -= t.need;
  tasks_.erase(it);
  // The next task goes first: its slot is free now, and the broker already
  // counts it there.
  start_queued(now);
  report(std::move(r));
}

void WorkerEngine::hand_back_all(TimeMs now) {
  hand_back_queue(now);
  for (auto& [key, t] : tasks_) {
    // A task already stopping (time limit, cancel) reports how it ended;
    // handing it back would run a timed-out task again.
    if (t.handed_back || t.kill_at != kNever) continue;
    t.handed_back = true;
    terminate(t, now);
  }
}

void WorkerEngine::on_tick(TimeMs now) {
  for (auto& [key, t] : tasks_) {
    if (t.warn_at <= now) {
      launcher_.signal_group(t.pid, t.warn_signal);
      t.warn_at = kNever;
    }
    if (t.limit_at <= now && !t.timed_out) {
      t.timed_out = true;
      t.limit_at = kNever;
      terminate(t, now);
    }
    if (t.kill_at <= now) {
      launcher_.signal_group(t.pid, SIGKILL);
      t.kill_at = kNever - 1;  // sent; wait for the exit
    }
  }
  if (draining_ && now >= drain_deadline_) hand_back_all(now);
  if (now >= next_heartbeat_) {
    pb::Envelope env;
    pb::Heartbeat* hb = env.mutable_heartbeat();
    // Every process still alive, stopping ones too: the broker requeues a
    // handed-back task when its result comes, not when it vanishes from here.
    for (const auto& [key, t] : tasks_) *hb->add_running() = t.ref;
    for (const auto& a : queue_) *hb->add_running() = a.task();
    send(std::move(env));
    next_heartbeat_ = now + cfg_.heartbeat_ms;
  }
  if (registered_ && now >= next_resend_) {
    // Results not acked after a while are sent again (the broker dedups them).
    for (const auto& r : unacked_) {
      pb::Envelope env;
      *env.mutable_finished()->mutable_result() = r;
      send(std::move(env));
    }
    next_resend_ = now + 2 * cfg_.heartbeat_ms;
  }
}

TimeMs WorkerEngine::next_deadline() const {
  TimeMs t = next_heartbeat_;
  if (registered_ && !unacked_.empty()) t = std::min(t, next_resend_);
  for (const auto& [key, task] : tasks_) t = std::min({t, task.warn_at, task.limit_at, task.kill_at});
  if (draining_) t = std::min(t, drain_deadline_);
  if (held_since_ != kNever) t = std::min(t, held_since_ + cfg_.report_batch_ms);
  return t;
}

bool WorkerEngine::hold_output(TimeMs now) {
  const bool may_wait = !out_.empty() && cfg_.report_batch_ms > 0 && registered_ && !draining_ &&
                        !tasks_.empty() && !queue_.empty();
  if (!may_wait || (held_since_ != kNever && now >= held_since_ + cfg_.report_batch_ms)) {
    held_since_ = kNever;
    drop_reported_starts();
    return false;
  }
  if (held_since_ == kNever) held_since_ = now;
  return true;
}

void WorkerEngine::drop_reported_starts() {
  auto key = [](const pb::TaskRef& t) { return std::tuple(t.job(), t.index(), t.attempt()); };
  std::vector<std::tuple<std::uint64_t, std::uint32_t, std::uint32_t>> ended;
  for (const Outgoing& o : out_.items())
    if (o.message.has_finished()) ended.push_back(key(o.message.finished().result().task()));
  if (ended.empty()) return;
  std::sort(ended.begin(), ended.end());
  out_.erase_if([&](const Outgoing& o) {
    return o.message.has_started() && std::binary_search(ended.begin(), ended.end(), key(o.message.started().task()));
  });
}

void WorkerEngine::drain(TimeMs now) {
  if (draining_) {
    spdlog::info("second stop request: handing back {} running task(s) now", tasks_.size());
    drain_deadline_ = now;
    hand_back_all(now);
    return;
  }
  draining_ = true;
  drain_deadline_ = now + cfg_.drain_timeout_ms;
  hand_back_queue(now);  // tasks that never started go back at once, to run elsewhere
  spdlog::info("draining: no new tasks; {} running task(s) get {} ms to finish", tasks_.size(), cfg_.drain_timeout_ms);
  pb::Envelope env;
  env.mutable_drain()->set_on(true);
  send(std::move(env));
}

bool WorkerEngine::done(TimeMs now) const {
  if (!draining_ || !tasks_.empty() || !queue_.empty()) return false;
  if (unacked_.empty()) return true;
  // Results nobody acknowledges: give up after the broker's liveness window.
  return now >= drain_deadline_ + static_cast<TimeMs>(cfg_.liveness) * cfg_.heartbeat_ms;
}

}  // namespace baton
