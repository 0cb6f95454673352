// BrokerEngine: running cron entries. Each scheduled time becomes an ordinary
// job named NAME@2026-12-05T08:00, journaled in the same group as the
// entry's raised last_scheduled_ms, so no scheduled time runs twice, across
// restarts too. Requests (add, list, ...) are in broker_cron_requests.cpp.
#include <spdlog/spdlog.h>

#include "core/broker_engine.h"

namespace baton {

namespace {

// "+01:00"
std::string utc_offset_text(int seconds) {
  const char sign = seconds < 0 ? '-' : '+';
  const int a = std::abs(seconds);
  return fmt::format("{}{:02}:{:02}", sign, a / 3600, a / 60 % 60);
}

}  // namespace

void BrokerEngine::set_cron_seams(ZoneSource* zones, CronNotifier* notifier) {
  cron_ = std::make_unique<CronTable>(cfg_.cron_seconds, zones ? *zones : utc_zones_);
  cron_notifier_ = notifier;
}

void BrokerEngine::cron_cancel_run(Job& job, TimeMs now) {
  if (job.terminal()) return;
  std::vector<std::uint64_t> running;
  for (const auto& [ordinal, rec] : job.tasks)
    if (rec.state == pb::RUNNING) running.push_back(ordinal);
  cancel_pending(job, IntervalSet::range(0, job.array.count() - 1), now);
  std::vector<std::string> notes;
  for (std::uint64_t o : running) cancel_task(job, o, 0, now, notes);
  settle_dependencies(now);
}

JobId BrokerEngine::cron_fire(CronState& s, TimeMs scheduled, TimeMs now, bool by_hand, const char* note) {
  pb::CronEntry& e = s.entry;
  if (!by_hand) e.set_last_scheduled_ms(std::max(e.last_scheduled_ms(), scheduled));
  pb::CronRun run;
  run.set_scheduled_ms(scheduled);
  if (note) run.set_note(note);
  if (!by_hand && !s.active.empty()) {
    const JobId busy = *s.active.rbegin();
    if (e.concurrency() == pb::CRON_FORBID) {
      run.set_note("skipped: run " + std::to_string(busy) + " still active (--concurrency forbid)");
      spdlog::info("cron {}: {} {}", e.name(), cron_local_time(scheduled, s.zone), run.note());
      CronTable::add_run(e, std::move(run));
      journal_.record_cron(e);
      return 0;
    }
    if (e.concurrency() == pb::CRON_REPLACE) {
      const std::set<JobId> active = s.active;
      for (JobId id : active)
        if (Job* job = find(id)) cron_cancel_run(*job, now);
      run.set_note("replaced run " + std::to_string(busy));
    }
  }
  pb::JobSpec spec = e.spec();
  const std::string local = cron_local_time(scheduled, s.zone);
  spec.set_name(e.name() + "@" + local);
  spec.set_user(e.user());
  spec.set_uid(e.uid());
  spec.add_env("BATON_CRON_NAME=" + e.name());
  spec.add_env("BATON_CRON_SCHEDULED_TIME=" + local + (local.size() == 16 ? ":00" : "") +
               utc_offset_text(s.zone.offset_s(scheduled)));
  auto id = submit(std::move(spec), now);
  if (!id) {
    spdlog::warn("cron {}: the run of {} was refused: {}", e.name(), local, id.error());
    run.set_state(pb::FAILED);
    run.set_note("not submitted: " + id.error());
    run.set_end_ms(now);
    CronTable::add_run(e, std::move(run));
    journal_.record_cron(e);
    if (cron_notifier_ && !e.on_failure().empty())
      cron_notifier_->run_failed(CronFailure{e.on_failure(), e.name(), e.user(), "NOT_SUBMITTED", 0, 1, scheduled});
    return 0;
  }
  spdlog::debug("cron {}: run of {} is job {}", e.name(), local, *id);
  s.active.insert(*id);
  cron_runs_[*id] = e.name();
  run.set_job_id(*id);
  run.set_state(pb::PENDING);
  CronTable::add_run(e, std::move(run));
  journal_.record_cron(e);
  return *id;
}

void BrokerEngine::cron_tick(TimeMs now) {
  // At most this many runs of one entry per turn: a broker loop that stalled
  // catches up over a few turns instead of in one long one.
  constexpr int kPerTurn = 100;
  for (auto& [name, s] : cron_->entries()) {
    for (int n = 0; n < kPerTurn && s.next_ms <= now; ++n) {
      const TimeMs t = s.next_ms;
      cron_fire(s, t, now, false, nullptr);
      s.next_ms = s.schedule.next_after(t, s.zone);
    }
  }
}

void BrokerEngine::cron_job_ended(const Job& job, TimeMs now) {
  auto it = cron_runs_.find(job.id);
  if (it == cron_runs_.end()) return;
  const std::string name = std::move(it->second);
  cron_runs_.erase(it);
  CronState* s = cron_->find(name);
  if (!s) return;
  s->active.erase(job.id);
  pb::CronRun* run = CronTable::run_of(s->entry, job.id);
  const TaskState state = job.summary();
  if (run) {
    run->set_state(state);
    run->set_exit_code(job.worst_code);
    run->set_end_ms(now);
  }
  journal_.record_cron(s->entry);
  if ((state == pb::FAILED || state == pb::TIMEOUT) && cron_notifier_ && !s->entry.on_failure().empty())
    cron_notifier_->run_failed(CronFailure{s->entry.on_failure(), name, s->entry.user(), state_name(state), job.id,
                                           job.worst_code, run ? run->scheduled_ms() : 0});
}

void BrokerEngine::cron_restore(std::vector<pb::CronEntry> entries, TimeMs now) {
  for (pb::CronEntry& e : entries) {
    auto state = cron_->prepare(e, now);
    if (!state) {
      // Its zone may have gone from this host: keep it (in the journal too), in UTC.
      spdlog::error("cron {}: {}; read in UTC until fixed (`baton cron update {} tz=...`)", e.name(), state.error(),
                    e.name());
      pb::CronEntry utc = e;
      utc.clear_tz();
      state = cron_->prepare(utc, now);
      if (!state) continue;
      state->entry = e;
    }
    CronState& s = cron_->put(std::move(*state));
    // Runs that were active when the broker stopped are active again, or ended meanwhile.
    for (pb::CronRun& run : *s.entry.mutable_runs()) {
      if (!run.job_id() || is_terminal(run.state()) || run.state() == pb::TASK_STATE_UNSPECIFIED) continue;
      const Job* job = find(run.job_id());
      if (job && !job->terminal()) {
        s.active.insert(job->id);
        cron_runs_[job->id] = s.entry.name();
      } else if (job) {
        run.set_state(job->summary());
        run.set_exit_code(job->worst_code);
        run.set_end_ms(job->end_ms);
      } else {
        // Purged by retention (or never committed): nothing to wait for.
        run.set_state(pb::TASK_STATE_UNSPECIFIED);
        run.set_note(run.note().empty() ? "job no longer in the journal" : run.note() + "; job no longer in the journal");
      }
    }
    const std::vector<TimeMs> missed = cron_->come_back(s, now);
    for (TimeMs t : missed) cron_fire(s, t, now, false, "catch-up");
    if (!missed.empty())
      spdlog::info("cron {}: {} missed run(s) caught up (--catch-up {})", s.entry.name(), missed.size(),
                   cron_catch_up_name(s.entry.catch_up()));
  }
}

}  // namespace baton
