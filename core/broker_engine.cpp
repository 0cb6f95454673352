#include "core/broker_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace baton {

BrokerEngine::BrokerEngine(BrokerConfig cfg, Journal& journal, Outbox& outbox, TimeMs now)
    : cfg_(std::move(cfg)), journal_(journal), out_(outbox), sched_(cfg_.scheduler, jobs_, pool_, now) {
  next_heartbeat_ = now;
  cron_ = std::make_unique<CronTable>(cfg_.cron_seconds, utc_zones_);
}

Job* BrokerEngine::find(JobId id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

// Builds the in-memory job from a validated spec: its array shape, request,
// dependency, and every task pending.
Job& BrokerEngine::add_job(JobId id, pb::JobSpec spec, TimeMs submit_ms) {
  Job& job = jobs_[id];
  job.id = id;
  job.submit_ms = submit_ms;
  if (!spec.array().empty()) {
    auto parsed = ArraySpec::parse(spec.array(), UINT64_MAX);
    if (parsed) {
      job.array = parsed->spec;
      job.is_array = true;
      if (parsed->throttle) spec.set_throttle(parsed->throttle);
      spec.set_array(job.array.to_string());
    }
  }
  job.spec.assign(spec);
  job.need = requested(spec);
  job.queue = spec.queue().empty() ? "default" : spec.queue();
  if (!spec.constraints().empty()) {
    auto& constraints = job.edit_extras().constraints;
    for (const auto& [k, v] : spec.constraints()) constraints.emplace_back(k, v);
    std::sort(constraints.begin(), constraints.end());
  }
  if (auto dep = parse_dependency(spec.dependency())) job.dep = std::move(*dep);
  job.pending = IntervalSet::range(0, job.array.count() - 1);
  for (JobId target : job.dep.jobs())
    if (Job* t = find(target)) t->edit_extras().dependents.push_back(id);
  // Ids grow, so these inserts land at the end: amortized O(1).
  auto& group = groups_[{job.spec.user(), job.spec.name()}];
  group.emplace_hint(group.end(), id);
  active_.emplace_hint(active_.end(), id);
  ++active_per_user_[job.spec.user()];
  return job;
}

void BrokerEngine::left_active(const Job& job) {
  auto it = active_per_user_.find(job.spec.user());
  if (it != active_per_user_.end() && --it->second == 0) active_per_user_.erase(it);
}

// ---------------------------------------------------------------- dispatch

void BrokerEngine::dispatch(const Dispatch& d, TimeMs now) {
  Job& job = jobs_.at(d.task.job);
  TaskRecord& rec = job.tasks[d.task.ordinal];
  rec.state = pb::RUNNING;
  rec.reason = Reason::None;
  rec.attempt += 1;
  rec.worker = d.worker;
  rec.dispatched_ms = now;
  rec.start_ms = 0;
  rec.end_ms = 0;
  rec.exit_code = rec.signal = 0;
  rec.outcome = pb::OUTCOME_UNSPECIFIED;
  rec.cancel_requested = false;
  rec.gpus = d.gpus;
  rec.charged = d.charged;
  ++job.running;
  Worker& w = pool_.at(d.worker);
  journal_.record_task(job, d.task.ordinal, rec, w.name, now);
  observe_started(job, d.task.ordinal, rec, w, now);

  pb::Assignment* a = assigns_[d.worker].add_tasks();
  pb::TaskRef* ref = a->mutable_task();
  ref->set_job(job.id);
  ref->set_index(job.index_of(d.task.ordinal));
  ref->set_attempt(rec.attempt);
  if (w.specs.insert(job.id).second) job.spec.decode_into(a->mutable_spec());
  else a->set_spec_cached(true);
  for (auto g : d.gpus) a->add_gpus(g);
  if (d.queued) a->set_queued(true);
  a->set_is_array(job.is_array);
  a->set_array_count(static_cast<std::uint32_t>(job.array.count()));
  a->set_array_min(job.array.min());
  a->set_array_max(job.array.max());
  if (!job.ever_started) {
    job.ever_started = true;
    dep_work_.push_back(job.id);  // "after" dependents may go now
  }
}

void BrokerEngine::flush_assignments() {
  for (auto& [slot, ack] : acks_) {
    pb::Envelope env;
    *env.mutable_finished_ack() = std::move(ack);
    send_worker(pool_.at(slot), std::move(env));
  }
  acks_.clear();
  for (auto& [slot, assign] : assigns_) {
    Worker& w = pool_.at(slot);
    pb::Envelope env;
    *env.mutable_assign() = std::move(assign);
    send_worker(w, std::move(env));
  }
  assigns_.clear();
}

// ---------------------------------------------------------------- task ends

void BrokerEngine::release_worker(Job& job, std::uint64_t ordinal, TaskRecord& rec, TimeMs now) {
  if (rec.worker != kNoWorker && rec.worker < pool_.size())
    pool_.release(pool_.at(rec.worker), TaskKey{job.id, ordinal}, job.need, rec.gpus);
  if (job.running > 0) --job.running;
  sched_.task_ended(job, rec, now);
  dirty_ = true;
}

void BrokerEngine::finish_task(Job& job, std::uint64_t ordinal, const pb::TaskResult& r, TimeMs now) {
  TaskRecord& rec = job.tasks.at(ordinal);
  if (r.start_ms()) rec.start_ms = r.start_ms();
  rec.end_ms = r.end_ms() ? r.end_ms() : now;
  rec.exit_code = r.exit_code();
  rec.signal = r.signal();
  rec.max_rss_kb = r.max_rss_kb();
  rec.cpu_ms = r.cpu_ms();
  rec.outcome = r.outcome();
  if (r.outcome() == pb::EXITED && rec.start_ms && rec.end_ms >= rec.start_ms) {
    ++job.ran_tasks;
    job.ran_ms += rec.end_ms - rec.start_ms;
  }
  release_worker(job, ordinal, rec, now);

  if (r.outcome() == pb::NEED_SPEC && rec.worker < pool_.size()) pool_.at(rec.worker).specs.erase(job.id);
  if ((r.outcome() == pb::HANDED_BACK || r.outcome() == pb::NEED_SPEC) && !rec.cancel_requested) {
    requeue(job, ordinal, rec, now, /*crash=*/false);
    return;
  }
  TaskState state = pb::FAILED;
  if (rec.cancel_requested || r.outcome() == pb::KILLED_CANCEL) state = pb::CANCELLED;
  else if (r.outcome() == pb::TIMED_OUT) state = pb::TIMEOUT;
  else if (r.outcome() == pb::KILLED_OOM) state = pb::OUT_OF_MEMORY;
  else if (r.outcome() == pb::EXITED && r.exit_code() == 0 && r.signal() == 0) state = pb::COMPLETED;
  if (r.outcome() == pb::LAUNCH_FAILED) {
    spdlog::warn("task {} could not start: {}", job.task_name(ordinal), r.error());
    job.edit_extras().errors[ordinal] = r.error();
    if (rec.exit_code == 0) rec.exit_code = 127;
  }

  if ((state == pb::FAILED || state == pb::TIMEOUT || state == pb::OUT_OF_MEMORY) && rec.failures < job.spec.retries()) {
    // Retry with exponential backoff: delay, 2*delay, 4*delay, ...
    ++rec.failures;
    const double factor = std::ldexp(1.0, std::min<int>(rec.failures - 1, 30));
    const TimeMs backoff = static_cast<TimeMs>(std::min(double(job.spec.retry_delay_ms()) * factor, 1e15));  // < 32k years
    rec.state = pb::PENDING;
    rec.reason = Reason::BeginTime;
    rec.eligible_ms = now + backoff;
    journal_.record_task(job, ordinal, rec, pool_.name_of(rec.worker), now);
    sched_.delay(job, ordinal, rec.eligible_ms);
    sched_.regate(job, now);
    return;
  }
  end_task(job, ordinal, rec, state, now);
}

void BrokerEngine::requeue(Job& job, std::uint64_t ordinal, TaskRecord& rec, TimeMs now, bool crash) {
  if (crash) {
    ++rec.crashes;
    if (rec.crashes > cfg_.crash_limit) {
      rec.reason = Reason::WorkerLost;
      spdlog::warn("task {} lost its worker {} times; failing it (crash_limit {})", job.task_name(ordinal),
                   rec.crashes, cfg_.crash_limit);
      end_task(job, ordinal, rec, pb::FAILED, now);
      return;
    }
    rec.reason = Reason::WorkerLost;
  }
  rec.state = pb::PENDING;
  rec.eligible_ms = 0;
  journal_.record_task(job, ordinal, rec, pool_.name_of(rec.worker), now);
  job.pending.insert(ordinal);
  sched_.regate(job, now);
}

void BrokerEngine::end_task(Job& job, std::uint64_t ordinal, TaskRecord& rec, TaskState state, TimeMs now) {
  rec.state = state;
  if (!rec.end_ms) rec.end_ms = now;
  // A finished task's retry time means nothing any more: it holds the broker
  // time its end was recorded, the durable key of its `finished` event
  // (broker_events.h; end_ms is the worker's clock).
  rec.eligible_ms = now;
  switch (state) {
    case pb::COMPLETED: ++job.completed; break;
    case pb::FAILED: ++job.failed; break;
    case pb::TIMEOUT: ++job.timed_out; break;
    case pb::OUT_OF_MEMORY: ++job.out_of_memory; break;
    case pb::CANCELLED: ++job.cancelled; break;
    default: break;
  }
  job.worst_code = std::max(job.worst_code, wait_code(rec));
  journal_.record_task(job, ordinal, rec, pool_.name_of(rec.worker), now);
  observe_finished(job, ordinal, rec, now);
  task_terminal(job, ordinal, now);
}

void BrokerEngine::task_terminal(Job& job, std::uint64_t ordinal, TimeMs now) {
  for (JobId d : job.extras().dependents) {
    Job* dep = find(d);
    if (dep && dep->dep.has(DepType::AfterCorr)) corr_update(*dep, job, ordinal, now);
  }
  if (job.terminal()) job_terminal(job, now);
  else wake_waiters(job.id);
}

void BrokerEngine::job_terminal(Job& job, TimeMs now) {
  if (job.end_ms) return;  // already recorded
  job.end_ms = now;
  active_.erase(job.id);
  left_active(job);
  pool_.for_each([&](Worker& w) { w.specs.erase(job.id); });
  job.shed_run_state();
  sched_.leave(job);
  sched_.regate(job, now);  // clears reasons for the display
  journal_.record_job_state(job);
  observe_job_finished(job, now);
  auto g = groups_.find({job.spec.user(), job.spec.name()});
  if (g != groups_.end()) {
    g->second.erase(job.id);
    if (!g->second.empty()) dep_work_.push_back(*g->second.begin());
    else groups_.erase(g);
  }
  dep_work_.push_back(job.id);
  wake_waiters(job.id);
  ended_.emplace_back(now, job.id);
  if (!cron_runs_.empty()) cron_job_ended(job, now);
}

void BrokerEngine::evict_old(TimeMs now) {
  if (cfg_.min_job_age_ms <= 0) return;
  while (!ended_.empty() && ended_.front().first + cfg_.min_job_age_ms <= now) {
    const JobId id = ended_.front().second;
    ended_.pop_front();
    auto it = jobs_.find(id);
    if (it == jobs_.end() || !it->second.terminal()) continue;
    evicted_[id] = Evicted{it->second.dep_view(), it->second.worst_code};
    jobs_.erase(it);
  }
}

std::string BrokerEngine::gone_error(JobId id) const {
  auto e = evicted_.find(id);
  if (e == evicted_.end())
    return "unknown job " + std::to_string(id) + " (`baton status -a` lists the jobs the broker holds, `baton history` older ones)";
  return "job " + std::to_string(id) + " ended (exit status " + std::to_string(e->second.wait_code) +
         ") and is no longer held by the broker; `baton history " + std::to_string(id) + "` shows it";
}

void BrokerEngine::worker_lost(Worker& w, TimeMs now, const char* why) {
  if (w.tasks.empty()) spdlog::info("worker {} gone ({})", w.name, why);
  else spdlog::warn("worker {} lost ({}); requeueing its {} task(s)", w.name, why, w.tasks.size());
  const std::vector<TaskKey> tasks(w.tasks.begin(), w.tasks.end());
  for (const TaskKey& t : tasks) {
    Job& job = jobs_.at(t.job);
    TaskRecord& rec = job.tasks.at(t.ordinal);
    release_worker(job, t.ordinal, rec, now);
    if (rec.cancel_requested) end_task(job, t.ordinal, rec, pb::CANCELLED, now);
    else requeue(job, t.ordinal, rec, now, /*crash=*/true);
  }
  fail_reads(w);
  pool_.mark_lost(w);
  observe_worker(w, EventKind::WorkerLost, now);
  dirty_ = true;
}

// ---------------------------------------------------------------- dependencies

bool BrokerEngine::singleton_clear(const Job& job) const {
  auto g = groups_.find({job.spec.user(), job.spec.name()});
  return g == groups_.end() || g->second.empty() || *g->second.begin() == job.id;
}

void BrokerEngine::reevaluate(Job& job, TimeMs now) {
  if (job.terminal()) return;
  const DepState s = evaluate(
      job.dep,
      [this](JobId id) {
        if (const Job* j = find(id)) return j->dep_view();
        if (auto e = evicted_.find(id); e != evicted_.end()) return e->second.view;
        return DepView{true, true, false, true};  // unknown: treat as failed
      },
      singleton_clear(job));
  if (s == job.dep_state) return;
  job.dep_state = s;
  const bool kill = job.spec.has_kill_on_invalid_dep() ? job.spec.kill_on_invalid_dep() : cfg_.kill_on_invalid_dep;
  if (s == DepState::Never && kill) {
    spdlog::info("job {}: dependency {} can never be satisfied; cancelling it", job.id, job.dep.to_string());
    IntervalSet all = job.pending;
    all.insert(job.extras().corr_wait);
    all.insert(job.extras().corr_never);
    cancel_pending(job, all, now);
    return;
  }
  sched_.regate(job, now);
  dirty_ = true;
}

void BrokerEngine::settle_dependencies(TimeMs now) {
  while (!dep_work_.empty()) {
    const JobId id = dep_work_.back();
    dep_work_.pop_back();
    Job* job = find(id);
    if (!job) continue;
    if (job->dep.has(DepType::Singleton)) reevaluate(*job, now);
    const std::vector<JobId> dependents = job->extras().dependents;
    for (JobId d : dependents)
      if (Job* dep = find(d)) reevaluate(*dep, now);
  }
}

void BrokerEngine::corr_init(Job& job) {
  const DepTerm* term = nullptr;
  for (const auto& t : job.dep.terms)
    if (t.type == DepType::AfterCorr) term = &t;
  if (!term) return;
  JobExtras& x = job.edit_extras();
  x.corr_wait = job.pending;
  job.pending.clear();
  const Job* src = find(term->jobs.front());
  if (!src) {
    // A source that left memory ended long ago: its tasks all completed, or
    // which ones did is no longer known (treated as not completed).
    if (auto e = evicted_.find(term->jobs.front()); e != evicted_.end()) {
      (e->second.view.all_ok ? job.pending : x.corr_never).insert(x.corr_wait);
      x.corr_wait.clear();
    }
    return;
  }
  for (const auto& [ordinal, rec] : src->tasks)
    if (is_terminal(rec.state)) corr_update(job, *src, ordinal, 0);
  if (src->terminal()) corr_update(job, *src, UINT64_MAX, 0);
}

// The task at `ordinal` of `src` ended (UINT64_MAX: the whole job did): move
// the matching task of `dep` out of its aftercorr wait. now == 0 means "while
// the job is being built" (submit, restore): only the sets change then.
void BrokerEngine::corr_update(Job& dep, const Job& src, std::uint64_t ordinal, TimeMs now) {
  auto settle = [&](std::uint64_t mine, bool ok) {
    if (!dep.extras().corr_wait.contains(mine)) return;
    JobExtras& x = dep.edit_extras();
    x.corr_wait.erase(mine);
    (ok ? dep.pending : x.corr_never).insert(mine);
  };
  if (ordinal != UINT64_MAX) {
    const TaskIndex idx = src.index_of(ordinal);
    auto mine = dep.array.ordinal_of(idx);
    auto rec = src.tasks.find(ordinal);
    if (mine && rec != src.tasks.end()) settle(*mine, rec->second.state == pb::COMPLETED);
  }
  if (src.terminal()) {
    // Tasks with no counterpart follow the whole job (afterok semantics).
    const bool ok = src.dep_view().all_ok;
    IntervalSet rest = dep.extras().corr_wait;
    for (auto [lo, hi] : rest.intervals())
      for (std::uint64_t o = lo; o <= hi; ++o)
        if (!src.array.ordinal_of(dep.index_of(o))) settle(o, ok);
    // Counterparts cancelled before they ran count as not completed.
    for (auto [lo, hi] : src.extras().cancelled_pending.intervals())
      for (std::uint64_t o = lo; o <= hi; ++o)
        if (auto mine = dep.array.ordinal_of(src.index_of(o))) settle(*mine, false);
  }
  if (now && !dep.extras().corr_never.empty()) {
    const bool kill = dep.spec.has_kill_on_invalid_dep() ? dep.spec.kill_on_invalid_dep() : cfg_.kill_on_invalid_dep;
    if (kill) {
      IntervalSet never = dep.extras().corr_never;
      cancel_pending(dep, never, now);
      return;
    }
  }
  if (now) {
    sched_.regate(dep, now);
    dirty_ = true;
    if (dep.terminal()) job_terminal(dep, now);
  }
}

// ---------------------------------------------------------------- cancel

void BrokerEngine::cancel_pending(Job& job, const IntervalSet& ordinals, TimeMs now) {
  IntervalSet hit = job.pending.intersect(ordinals);
  if (job.has_extras()) {
    JobExtras& x = job.edit_extras();
    hit.insert(x.corr_wait.intersect(ordinals));
    hit.insert(x.corr_never.intersect(ordinals));
    x.corr_wait.erase(hit);
    x.corr_never.erase(hit);
  }
  job.pending.erase(hit);
  // Tasks never started are kept as a compact cancelled set; tasks with a
  // record (requeued, or waiting out a retry delay) end as records.
  std::vector<std::uint64_t> with_record;
  for (auto [lo, hi] : ordinals.intervals())
    for (auto it = job.tasks.lower_bound(lo); it != job.tasks.end() && it->first <= hi; ++it)
      if (it->second.state == pb::PENDING) with_record.push_back(it->first);
  for (std::uint64_t o : with_record) hit.erase(o);
  if (!hit.empty()) job.edit_extras().cancelled_pending.insert(hit);
  if (!hit.empty()) job.worst_code = std::max(job.worst_code, 125);
  for (std::uint64_t o : with_record) {
    TaskRecord& rec = job.tasks.at(o);
    if (rec.eligible_ms > 0) sched_.undelay(job, o);
    rec.reason = Reason::Cancelled;
    rec.eligible_ms = 0;
    end_task(job, o, rec, pb::CANCELLED, now);
  }
  journal_.record_job_state(job);
  sched_.regate(job, now);
  dirty_ = true;
  if (job.terminal()) job_terminal(job, now);
  else wake_waiters(job.id);
}

void BrokerEngine::cancel_task(Job& job, std::uint64_t ordinal, int signal, TimeMs now,
                               std::vector<std::string>& notes) {
  TaskRecord& rec = job.tasks.at(ordinal);
  if (rec.state != pb::RUNNING) return;
  Worker* w = rec.worker < pool_.size() ? &pool_.at(rec.worker) : nullptr;
  if (signal == 0) rec.cancel_requested = true;
  if (w && w->state != WorkerState::Lost) {
    pb::Envelope env;
    pb::Kill* k = env.mutable_kill();
    k->mutable_task()->set_job(job.id);
    k->mutable_task()->set_index(job.index_of(ordinal));
    k->mutable_task()->set_attempt(rec.attempt);
    k->set_signal(signal);
    k->set_terminate(signal == 0);
    send_worker(*w, std::move(env));
  } else if (signal == 0) {
    // Its worker is gone; nothing to wait for.
    release_worker(job, ordinal, rec, now);
    end_task(job, ordinal, rec, pb::CANCELLED, now);
  } else {
    notes.push_back("task " + job.task_name(ordinal) + ": its worker is not connected; signal not sent");
  }
}

// ---------------------------------------------------------------- tick

void BrokerEngine::on_tick(TimeMs now) {
  if (now >= next_heartbeat_) {
    pool_.for_each([&](Worker& w) {
      if (w.state == WorkerState::Lost) return;
      pb::Envelope env;
      env.mutable_heartbeat();
      send_worker(w, std::move(env));
    });
    next_heartbeat_ = now + cfg_.heartbeat_ms;
  }
  const TimeMs silence = static_cast<TimeMs>(cfg_.liveness) * cfg_.heartbeat_ms;
  for (WorkerSlot s : pool_.expire(now - silence)) {
    worker_lost(pool_.at(s), now, "silent for too long");
  }
  expire_orphans(now);
  expire_reads(now);
  evict_old(now);
  if (cron_->next_deadline() <= now) cron_tick(now);
  if (sched_.next_deadline() <= now) {
    sched_.advance(now);
    dirty_ = true;
  }
  settle_dependencies(now);
  if (dirty_) {
    dirty_ = false;
    for (const Dispatch& d : sched_.pass(now)) dispatch(d, now);
    for (const Dispatch& d : sched_.prefetch(now)) dispatch(d, now);
    settle_dependencies(now);
  }
  flush_assignments();
}

TimeMs BrokerEngine::next_deadline() const {
  TimeMs t = std::min(next_heartbeat_, sched_.next_deadline());
  const TimeMs oldest = pool_.oldest_seen();
  if (oldest != kNever) t = std::min(t, oldest + static_cast<TimeMs>(cfg_.liveness) * cfg_.heartbeat_ms + 1);
  if (!orphans_.empty()) t = std::min(t, orphan_deadline_);
  if (!reads_.empty()) t = std::min(t, reads_.begin()->second.deadline);
  t = std::min(t, cron_->next_deadline());
  if (dirty_) t = 0;
  return t;
}

}  // namespace baton
