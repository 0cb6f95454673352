// BatchJournal: the engine's writes as pb::JournalBatch rows (see journal_batch.h).
#include "store/journal_batch.h"

namespace baton {

void BatchJournal::record_job(const Job& job) {
  pb::JobRow* r = batch_.add_ops()->mutable_job();
  r->set_id(job.id);
  r->set_name(job.spec.name());
  r->set_user(job.spec.user());
  r->set_submit_ms(job.submit_ms);
  r->set_state(static_cast<int>(job.summary()));
  r->set_end_ms(job.end_ms);
  r->set_wait_code(job.worst_code);
  r->set_is_array(job.is_array);
  r->set_n_tasks(job.total());
  job.spec.SerializeToString(r->mutable_spec());
  r->set_cancelled(job.extras().cancelled_pending.to_string());
}

void BatchJournal::record_job_state(const Job& job) {
  pb::JobStateRow* r = batch_.add_ops()->mutable_job_state();
  r->set_id(job.id);
  r->set_state(static_cast<int>(job.summary()));
  r->set_end_ms(job.end_ms);
  r->set_wait_code(job.worst_code);
  r->set_cancelled(job.extras().cancelled_pending.to_string());
}

void BatchJournal::record_task(const Job& job, std::uint64_t ordinal, const TaskRecord& t, const std::string& worker,
                               TimeMs /*now*/) {
  pb::TaskRow* r = batch_.add_ops()->mutable_task();
  r->set_job(job.id);
  r->set_ordinal(ordinal);
  r->set_index(job.index_of(ordinal));
  r->set_is_array(job.is_array);
  r->set_worker(worker);
  r->set_state(static_cast<int>(t.state));
  r->set_reason(static_cast<int>(t.reason));
  r->set_attempt(t.attempt);
  r->set_failures(t.failures);
  r->set_crashes(t.crashes);
  r->set_cancel_requested(t.cancel_requested);
  r->set_outcome(static_cast<int>(t.outcome));
  r->set_dispatched_ms(t.dispatched_ms);
  r->set_start_ms(t.start_ms);
  r->set_end_ms(t.end_ms);
  r->set_eligible_ms(t.eligible_ms);
  r->set_exit_code(t.exit_code);
  r->set_signal(t.signal);
  r->set_max_rss_kb(t.max_rss_kb);
  r->set_cpu_ms(t.cpu_ms);
  r->set_charged(t.charged);
  for (std::uint32_t g : t.gpus) r->add_gpus(g);
}

void BatchJournal::record_purge(TimeMs cutoff_ms, std::size_t budget) {
  pb::PurgeRows* r = batch_.add_ops()->mutable_purge();
  r->set_cutoff_ms(cutoff_ms);
  r->set_budget(budget);
}

TaskRecord task_record(const pb::TaskRow& r) {
  TaskRecord t;
  t.state = static_cast<TaskState>(r.state());
  t.reason = static_cast<Reason>(r.reason());
  t.attempt = static_cast<Attempt>(r.attempt());
  t.failures = static_cast<std::uint16_t>(r.failures());
  t.crashes = static_cast<std::uint16_t>(r.crashes());
  t.cancel_requested = r.cancel_requested();
  t.outcome = static_cast<pb::Outcome>(r.outcome());
  t.dispatched_ms = r.dispatched_ms();
  t.start_ms = r.start_ms();
  t.end_ms = r.end_ms();
  t.eligible_ms = r.eligible_ms();
  t.exit_code = r.exit_code();
  t.signal = r.signal();
  t.max_rss_kb = r.max_rss_kb();
  t.cpu_ms = r.cpu_ms();
  t.charged = r.charged();
  t.gpus.assign(r.gpus().begin(), r.gpus().end());
  return t;
}

}  // namespace baton
