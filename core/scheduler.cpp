#include "core/scheduler.h"

#include <algorithm>
#include <functional>

namespace baton {

Scheduler::Scheduler(const SchedulerConfig& cfg, JobTable& jobs, WorkerPool& pool, TimeMs start)
    : cfg_(cfg), jobs_(jobs), pool_(pool), ready_(cfg, start), limits_(cfg), placement_(cfg) {}

void Scheduler::leave(Job& job) {
  switch (job.gate) {
    case Gate::Ready: ready_.erase(job); break;
    case Gate::Begin: begin_.erase({job.spec.begin_ms(), job.id}); break;
    case Gate::Limit: limits_.unwait(job); break;
    case Gate::Parked: parked_.erase(job.id); break;
    default: break;
  }
  job.gate = Gate::None;
}

void Scheduler::regate(Job& job, TimeMs now) {
  leave(job);
  if (job.pending.empty()) {
    // Nothing dispatchable; say why the rest waits, if anything does.
    if (!job.extras().corr_never.empty()) job.reason = Reason::DependencyNeverSatisfied;
    else if (!job.extras().corr_wait.empty()) job.reason = Reason::Dependency;
    else if (job.delayed > 0) job.reason = Reason::BeginTime;
    return;
  }
  if (job.spec.hold()) {
    job.gate = Gate::Held;
    job.reason = Reason::Held;
  } else if (job.dep_state != DepState::Satisfied) {
    job.gate = Gate::Dependency;
    job.reason = job.dep_state == DepState::Never ? Reason::DependencyNeverSatisfied : Reason::Dependency;
  } else if (job.spec.begin_ms() > now) {
    job.gate = Gate::Begin;
    job.reason = Reason::BeginTime;
    begin_.insert({job.spec.begin_ms(), job.id});
  } else {
    job.gate = Gate::Ready;
    if (job.reason != Reason::Resources) job.reason = Reason::Priority;
    ready_.insert(job);
  }
}

void Scheduler::delay(Job& job, std::uint64_t ordinal, TimeMs at) {
  delayed_.insert({at, job.id, ordinal});
  ++job.delayed;
}

void Scheduler::undelay(Job& job, std::uint64_t ordinal) {
  auto it = job.tasks.find(ordinal);
  if (it == job.tasks.end()) return;
  if (delayed_.erase({it->second.eligible_ms, job.id, ordinal}) && job.delayed > 0) --job.delayed;
}

void Scheduler::advance(TimeMs now) {
  while (!delayed_.empty() && std::get<0>(*delayed_.begin()) <= now) {
    auto [at, id, ordinal] = *delayed_.begin();
    delayed_.erase(delayed_.begin());
    Job& job = jobs_.at(id);
    if (job.delayed > 0) --job.delayed;
    job.pending.insert(ordinal);
    regate(job, now);
  }
  while (!begin_.empty() && begin_.begin()->first <= now) {
    Job& job = jobs_.at(begin_.begin()->second);
    begin_.erase(begin_.begin());
    job.gate = Gate::None;
    regate(job, now);
  }
}

TimeMs Scheduler::next_deadline() const {
  TimeMs t = kNever;
  if (!delayed_.empty()) t = std::min(t, std::get<0>(*delayed_.begin()));
  if (!begin_.empty()) t = std::min(t, begin_.begin()->first);
  return t;
}

void Scheduler::task_started(Job& job) { limits_.started(job); }

void Scheduler::task_ended(Job& job, const TaskRecord& task, TimeMs now) {
  if (cfg_.order == OrderPolicy::Fairshare || task.charged != 0) {
    // Replace the provisional charge with what the task really used.
    ready_.charge(job.spec.user(), -task.charged, task.dispatched_ms);
    const TimeMs began = task.start_ms ? task.start_ms : task.dispatched_ms;
    const double used = double(job.need.cpus) * double(std::max<TimeMs>(0, now - began)) / 1000.0;
    ready_.charge(job.spec.user(), used, now);
  }
  for (JobId id : limits_.ended(job)) {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) continue;
    it->second.gate = Gate::None;  // already out of the limit's wait list
    regate(it->second, now);
  }
}

void Scheduler::limits_changed(const std::string& key, TimeMs now) {
  for (JobId id : limits_.reopen(key)) {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) continue;
    it->second.gate = Gate::None;
    regate(it->second, now);
  }
}

void Scheduler::workers_changed(TimeMs now) {
  std::vector<JobId> ids(parked_.begin(), parked_.end());
  parked_.clear();
  for (JobId id : ids) {
    Job& job = jobs_.at(id);
    job.gate = Gate::None;
    regate(job, now);
  }
}

void Scheduler::park(Job& job) {
  job.gate = Gate::Parked;
  job.reason = Reason::Resources;
  parked_.insert(job.id);
}

TimeMs Scheduler::expected_end(const TaskKey& t, TimeMs now) const {
  const Job& job = jobs_.at(t.job);
  const std::int64_t limit = job.spec.time_limit_s();
  if (limit <= 0) return kNever;
  // A task placed earlier in the current pass has no RUNNING record yet (the
  // engine records it after the pass): it starts now.
  auto rec = job.tasks.find(t.ordinal);
  if (rec == job.tasks.end() || rec->second.state != pb::RUNNING) return now + limit * kSecond;
  return std::max(rec->second.start_ms, rec->second.dispatched_ms) + limit * kSecond;
}

std::optional<Reservation> Scheduler::estimate(const Job& job, TimeMs now) const {
  std::optional<Reservation> best;
  const Worker* best_w = nullptr;
  pool_.for_each([&](const Worker& w) {
    if (!w.accepts_work() || !pool_.eligible(w, job)) return;
    Resources free = w.free();
    TimeMs start = now;
    if (!job.need.fits_in(free)) {
      std::vector<std::pair<TimeMs, TaskKey>> ends;
      ends.reserve(w.tasks.size());
      for (const TaskKey& t : w.tasks) ends.emplace_back(expected_end(t, now), t);
      std::sort(ends.begin(), ends.end());
      start = kNever;
      for (const auto& [end, t] : ends) {
        free += jobs_.at(t.job).need;
        if (job.need.fits_in(free)) {
          start = end;
          break;
        }
      }
      if (start == kNever) {
        // Some task there has no limit: the start is unknown. Count it as
        // never, but still fill `spare` as if everything had ended.
        free = w.capacity;
      }
    }
    Resources spare = free;
    spare -= job.need;
    const bool take = !best || start < best->start ||
                      (start == best->start && w.used.cpus < best_w->used.cpus) ||
                      (start == best->start && w.used.cpus == best_w->used.cpus && placement_.better(w, *best_w));
    if (take) {
      best = Reservation{job.id, w.slot, start, spare};
      best_w = &w;
    }
  });
  return best;
}

void Scheduler::started(Job& job, Dispatch& d, TimeMs now) {
  limits_.started(job);
  if (cfg_.order == OrderPolicy::Fairshare) {
    const std::int64_t secs = job.spec.time_limit_s() > 0 ? job.spec.time_limit_s() : cfg_.fairshare_default_charge_s;
    d.charged = double(job.need.cpus) * double(secs);
    ready_.charge(job.spec.user(), d.charged, now);
  }
}

bool Scheduler::allowed(const Worker& w, const Job& job, TimeMs now) const {
  if (closed_.count(w.slot)) return false;
  if (!reservation_ || reservation_->worker != w.slot) return true;
  const std::int64_t limit = job.spec.time_limit_s();
  if (limit > 0 && reservation_->start != kNever && now + limit * kSecond <= reservation_->start) return true;
  return job.need.fits_in(reservation_->spare);
}

std::vector<Dispatch> Scheduler::pass(TimeMs now) {
  std::vector<Dispatch> out;
  reservation_.reset();
  closed_.clear();
  std::uint32_t blocked = 0;
  std::vector<const Job*> closers;  // backfill off: blocked jobs whose workers were closed
  // Built once per pass, not per job: its captures do not fit std::function's
  // inline buffer, so each construction would allocate.
  const Job* current = nullptr;
  const std::function<bool(const Worker&)> allow = [&](const Worker& w) { return allowed(w, *current, now); };
  ReadyQueue::Walk walk(ready_);
  while (!walk.done()) {
    Job& job = jobs_.at(walk.current());
    current = &job;
    if (pool_.free_cpus() == 0) {
      if (!reservation_ && closed_.empty()) job.reason = Reason::Resources;
      break;
    }
    if (job.pending.empty()) {
      walk.remove();
      job.gate = Gate::None;
      continue;
    }
    if (auto cap = limits_.blocked(job)) {
      walk.remove();
      job.gate = Gate::Limit;
      job.reason = cap->second;
      job.edit_extras().limit_key = cap->first;
      limits_.wait(job, cap->first);
      continue;
    }
    const WorkerSlot slot = placement_.choose(pool_, job, allow);
    if (slot != kNoWorker) {
      Worker& w = pool_.at(slot);
      if (reservation_ && reservation_->worker == slot) {
        const std::int64_t limit = job.spec.time_limit_s();
        const bool ends_first = limit > 0 && reservation_->start != kNever && now + limit * kSecond <= reservation_->start;
        if (!ends_first) reservation_->spare -= job.need;
      }
      Dispatch d;
      d.task = TaskKey{job.id, *job.pending.pop_first()};
      d.worker = slot;
      d.gpus = pool_.allocate(w, d.task, job.need);
      placement_.chosen(slot);
      started(job, d, now);
      job.reason = Reason::None;
      out.push_back(std::move(d));
      if (job.pending.empty()) {
        walk.remove();
        job.gate = Gate::None;
      } else {
        job.reason = Reason::Priority;
      }
      // The user was just charged: re-rank, whether or not this job is done,
      // or a fair-share user's remaining jobs all go before anyone else's.
      walk.recharged();
      continue;
    }
    if (!pool_.could_ever_fit(job)) {
      walk.remove();
      park(job);
      continue;
    }
    if (!cfg_.backfill) {
      job.reason = closed_.empty() ? Reason::Resources : Reason::Priority;
      // A job that needs at least what an earlier blocked one did, in the
      // same queue with the same constraints, could use no other workers.
      const bool covered = std::any_of(closers.begin(), closers.end(), [&](const Job* c) {
        return c->queue == job.queue && c->extras().constraints == job.extras().constraints && c->need.fits_in(job.need);
      });
      if (!covered) {
        closers.push_back(&job);
        pool_.for_each([&](const Worker& w) {
          if (pool_.eligible(w, job)) closed_.insert(w.slot);
        });
        // Every worker with a free cpu is held: nothing behind can start.
        if (std::includes(closed_.begin(), closed_.end(), pool_.available().begin(), pool_.available().end())) break;
      }
    } else if (!reservation_) {
      reservation_ = estimate(job, now);
      job.reason = Reason::Resources;
    } else {
      job.reason = Reason::Priority;
    }
    walk.skip();
    if (++blocked >= cfg_.backfill_depth) break;
  }
  return out;
}

// Prefetch. A worker that is full gets tasks it will start itself when a
// running one ends: the next task is already there, so a slot does not wait a
// round trip to the broker and a journal commit. The broker counts them in the
// worker's `used` from the start (so `used` may pass `capacity` by up to
// prefetch x cpus), which keeps the main pass from placing anything else in the
// slots they will take. Only tasks that need nothing but cpus and memory are
// prefetched (GPU ids and named resources are handed out at dispatch), and
// only for jobs whose tasks have been short: for long ones a queued task could
// wait behind a busy worker while another worker frees up.
std::vector<Dispatch> Scheduler::prefetch(TimeMs now) {
  std::vector<Dispatch> out;
  if (cfg_.prefetch == 0 || ready_.size() == 0) return out;
  auto limit = [&](const Worker& w) { return std::uint64_t(w.capacity.cpus) * (1 + cfg_.prefetch); };
  std::vector<WorkerSlot> room;  // workers with queue room left
  pool_.for_each([&](const Worker& w) {
    if (w.accepts_work() && w.used.cpus < limit(w)) room.push_back(w.slot);
  });
  std::uint32_t misses = 0;
  ReadyQueue::Walk walk(ready_);
  while (!walk.done() && !room.empty()) {
    Job& job = jobs_.at(walk.current());
    const bool candidate = !job.pending.empty() && job.need.gpus == 0 && job.need.named.empty() &&
                           job.short_tasks(cfg_.prefetch_below_ms) && !limits_.blocked(job);
    WorkerSlot best = kNoWorker;
    std::uint64_t best_load = 0;
    for (std::size_t i = 0; candidate && i < room.size(); ++i) {
      const Worker& w = pool_.at(room[i]);
      if (!pool_.eligible(w, job) || !allowed(w, job, now) || w.used.cpus + job.need.cpus > limit(w)) continue;
      // Least queued relative to its size: cpus in use per cpu it has.
      const std::uint64_t load = std::uint64_t(w.used.cpus) * 1024 / w.capacity.cpus;
      if (best == kNoWorker || load < best_load) best = w.slot, best_load = load;
    }
    if (best == kNoWorker) {
      walk.skip();
      if (++misses >= cfg_.backfill_depth) break;
      continue;
    }
    Worker& w = pool_.at(best);
    Dispatch d;
    d.task = TaskKey{job.id, *job.pending.pop_first()};
    d.worker = best;
    d.queued = true;
    pool_.allocate(w, d.task, job.need);
    started(job, d, now);
    out.push_back(std::move(d));
    if (w.used.cpus >= limit(w)) std::erase(room, best);
    if (job.pending.empty()) {
      walk.remove();
      job.gate = Gate::None;
      job.reason = Reason::None;
    } else {
      walk.recharged();
    }
  }
  return out;
}

}  // namespace baton
