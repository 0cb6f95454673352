// BrokerEngine: rebuilding state from the journal at start-up.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/broker_engine.h"

namespace baton {

void BrokerEngine::restore(RecoveredState state, TimeMs now) {
  next_id_ = std::max<JobId>(state.next_job_id, 1);
  for (RecoveredJob& rj : state.jobs) {
    next_id_ = std::max(next_id_, rj.id + 1);
    if (!rj.spec.submit_token().empty()) remember_token(rj.spec.submit_token(), rj.id, rj.submit_ms, now);
    Job& job = add_job(rj.id, std::move(rj.spec), rj.submit_ms);
    if (auto c = IntervalSet::parse(rj.cancelled_pending); c && !c->empty()) {
      job.pending.erase(*c);
      job.edit_extras().cancelled_pending = std::move(*c);
      job.worst_code = 125;
    }
    job.end_ms = rj.end_ms;
  }
  std::size_t running = 0;
  for (RecoveredTask& rt : state.tasks) {
    Job* job = find(rt.job);
    if (!job || rt.ordinal >= job->array.count()) continue;
    TaskRecord& rec = job->tasks[rt.ordinal] = rt.record;
    rec.worker = rt.worker.empty() ? kNoWorker : pool_.intern(rt.worker);  // shown in status and history
    job->pending.erase(rt.ordinal);
    job->ever_started = true;
    switch (rec.state) {
      case pb::PENDING:
        if (rec.eligible_ms > now) {
          sched_.delay(*job, rt.ordinal, rec.eligible_ms);
        } else {
          job->pending.insert(rt.ordinal);
        }
        break;
      case pb::RUNNING: {
        // Its worker re-attaches it on REGISTER, or it is requeued.
        ++job->running;
        ++running;
        orphans_[rt.worker].insert({job->id, rt.ordinal});
        sched_.task_started(*job);
        break;
      }
      case pb::COMPLETED: ++job->completed; break;
      case pb::FAILED: ++job->failed; break;
      case pb::TIMEOUT: ++job->timed_out; break;
      case pb::OUT_OF_MEMORY: ++job->out_of_memory; break;
      case pb::CANCELLED: ++job->cancelled; break;
      default: break;
    }
    if (is_terminal(rec.state)) job->worst_code = std::max(job->worst_code, wait_code(rec));
  }
  // Orphans need a worker slot name to be shown; workers re-register by name.
  std::vector<std::pair<TimeMs, JobId>> ended;
  for (auto& [id, job] : jobs_) {
    if (job.dep.has(DepType::AfterCorr) && !job.terminal()) corr_init(job);
    if (job.terminal()) {
      if (!job.end_ms) job.end_ms = now;
      ended.emplace_back(job.end_ms, id);
      job.shed_run_state();
      active_.erase(id);
      left_active(job);
      auto g = groups_.find({job.spec.user(), job.spec.name()});
      if (g != groups_.end()) {
        g->second.erase(id);
        if (g->second.empty()) groups_.erase(g);
      }
    }
  }
  for (JobId id : std::set<JobId>(active_)) {
    Job& job = jobs_.at(id);
    job.dep_state = job.dep.empty() ? DepState::Satisfied : DepState::Waiting;
    if (!job.dep.empty()) reevaluate(job, now);
    if (!job.terminal()) sched_.regate(job, now);
  }
  std::sort(ended.begin(), ended.end());
  ended_.assign(ended.begin(), ended.end());
  orphan_deadline_ = now + cfg_.reattach_grace_ms;
  dirty_ = true;
  cron_restore(std::move(state.cron), now);
  evict_old(now);  // after dependencies were evaluated against every job
  spdlog::info("journal restored: {} jobs ({} active), {} task(s) running on workers that must re-register, next id {}",
               jobs_.size(), active_.size(), running, next_id_);
}

}  // namespace baton
