// BrokerEngine: read-only views for clients: status, workers, explain.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/broker_engine.h"
#include "core/timefmt.h"

namespace baton {

void BrokerEngine::fill_job_info(const Job& job, pb::JobInfo* out, const std::optional<IntervalSet>& only,
                                 bool summarize) const {
  out->set_id(job.id);
  out->set_name(job.spec.name());
  out->set_user(job.spec.user());
  out->set_state(job.summary());
  if (job.pending_total() > 0) out->set_reason(reason_name(job.reason));
  out->set_submit_ms(job.submit_ms);
  out->set_end_ms(job.end_ms);
  out->set_is_array(job.is_array);
  out->set_array(job.is_array ? job.array.to_string() : "");
  out->set_throttle(job.spec.throttle());
  out->set_priority(job.spec.priority());
  out->set_nice(job.spec.nice());
  out->set_queue(job.queue);
  out->set_time_limit_s(job.spec.time_limit_s());
  out->set_total_tasks(static_cast<std::uint32_t>(job.total()));
  IntervalSet pend = job.pending;
  pend.insert(job.extras().corr_wait);
  pend.insert(job.extras().corr_never);
  IntervalSet cancelled = job.extras().cancelled_pending;
  if (only) {
    pend = pend.intersect(*only);
    cancelled = cancelled.intersect(*only);
  }
  out->set_pending(job.array.format_ordinals(pend));
  out->set_pending_count(static_cast<std::uint32_t>(pend.size()));
  out->set_cancelled(job.array.format_ordinals(cancelled));
  out->set_cancelled_count(static_cast<std::uint32_t>(cancelled.size()));
  if (job.terminal()) out->set_wait_code(job.worst_code);
  summarize = summarize && job.is_array;
  std::map<int, IntervalSet> ended;  // by state, when summarizing
  for (const auto& [ordinal, rec] : job.tasks) {
    if (only && !only->contains(ordinal)) continue;
    if (summarize && is_terminal(rec.state) && !job.extras().errors.count(ordinal)) {
      ended[rec.state].insert(ordinal);
      continue;
    }
    pb::TaskInfo* t = out->add_tasks();
    t->set_index(job.index_of(ordinal));
    t->set_state(rec.state);
    if (rec.reason != Reason::None) t->set_reason(reason_name(rec.reason));
    t->set_attempt(rec.attempt);
    t->set_worker(pool_.name_of(rec.worker));
    t->set_start_ms(rec.start_ms ? rec.start_ms : rec.dispatched_ms);
    t->set_end_ms(rec.end_ms);
    t->set_exit_code(rec.exit_code);
    t->set_signal(rec.signal);
    t->set_max_rss_kb(rec.max_rss_kb);
    t->set_cpu_ms(rec.cpu_ms);
    t->set_outcome(rec.outcome);
    if (auto e = job.extras().errors.find(ordinal); e != job.extras().errors.end()) t->set_error(e->second);
  }
  for (const auto& [state, set] : ended) {
    pb::TaskRange* r = out->add_finished();
    r->set_state(static_cast<pb::TaskState>(state));
    r->set_indices(job.array.format_ordinals(set));
    r->set_count(static_cast<std::uint32_t>(set.size()));
  }
}

namespace {

// A job's spec for StatusRequest.specs, without its environment and script:
// the Slurm front-ends show its resources and files, never those.
void fill_spec_summary(const Job& job, pb::JobInfo* info) {
  pb::JobSpec* spec = info->mutable_spec();
  job.spec.decode_into(spec);
  spec->clear_env();
  spec->clear_script();
  spec->clear_entries();
}

}  // namespace

void BrokerEngine::handle_status(const std::string& peer, std::uint64_t rid, const pb::StatusRequest& m,
                                 const Requester& who) {
  pb::Envelope env;
  pb::StatusReply* out = env.mutable_status_reply();
  const std::string only_user = cfg_.private_jobs && who.authenticated && !who.admin ? who.user : m.user();
  if (m.targets_size() > 0) {
    for (const std::string& target : m.targets()) {
      auto r = const_cast<BrokerEngine*>(this)->resolve(target);
      if (r && hidden(who, *r->job)) r = Status::error("job " + target + " belongs to another user (jobs are private here)");
      if (!r) {
        reply_error(peer, rid, 1, r.error());
        return;
      }
      pb::JobInfo* info = out->add_jobs();
      fill_job_info(*r->job, info, r->whole ? std::nullopt : std::optional<IntervalSet>(r->ordinals),
                    !m.tasks() && r->whole);
      if (m.specs()) fill_spec_summary(*r->job, info);
    }
  } else if (m.all()) {
    std::vector<JobId> ids;
    ids.reserve(jobs_.size());
    for (const auto& [id, job] : jobs_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    for (JobId id : ids) {
      const Job& job = jobs_.at(id);
      if (only_user.empty() || job.spec.user() == only_user) {
        pb::JobInfo* info = out->add_jobs();
        fill_job_info(job, info, std::nullopt, !m.tasks());
        if (m.specs()) fill_spec_summary(job, info);
      }
    }
  } else {
    for (JobId id : active_) {
      const Job& job = jobs_.at(id);
      if (only_user.empty() || job.spec.user() == only_user) {
        pb::JobInfo* info = out->add_jobs();
        fill_job_info(job, info, std::nullopt, !m.tasks());
        if (m.specs()) fill_spec_summary(job, info);
      }
    }
  }
  reply(peer, rid, std::move(env));
}

void BrokerEngine::fill_worker_info(const Worker& w, pb::WorkerInfo* out) const {
  out->set_name(w.name);
  out->set_host(w.host);
  out->set_state(w.state_label());
  w.capacity.to_proto(out->mutable_capacity());
  w.used.to_proto(out->mutable_used());
  for (const auto& q : w.queues) out->add_queues(q);
  for (const auto& [k, v] : w.labels) (*out->mutable_labels())[k] = v;
  for (const TaskKey& t : w.tasks) out->add_tasks(jobs_.at(t.job).task_name(t.ordinal));
  out->set_last_seen_ms(w.last_seen);
  out->set_weight(w.weight);
  for (auto g : w.gpu_ids) out->add_gpu_ids(g);
  for (auto g : w.gpu_ids)
    if (std::find(w.gpus_free.begin(), w.gpus_free.end(), g) == w.gpus_free.end()) out->add_gpus_used(g);
}

namespace {

// Why no worker could ever run this job, in plain words.
std::string never_fits(const WorkerPool& pool, const Job& job) {
  bool any = false, queue = false, labels = false;
  std::uint32_t cpus = 0, gpus = 0;
  std::uint64_t mem = 0;
  const Worker* largest = nullptr;
  pool.for_each([&](const Worker& w) {
    if (w.state == WorkerState::Lost) return;
    any = true;
    if (!w.serves(job.queue)) return;
    queue = true;
    if (!w.matches(job.extras().constraints)) return;
    labels = true;
    if (!largest || w.capacity.cpus > largest->capacity.cpus) largest = &w;
    cpus = std::max(cpus, w.capacity.cpus);
    gpus = std::max(gpus, w.capacity.gpus);
    mem = std::max(mem, w.capacity.mem_mb);
  });
  if (!any) return "no workers are registered";
  if (!queue) return "no registered worker serves queue " + job.queue;
  if (!labels) {
    std::string c;
    for (const auto& [k, v] : job.extras().constraints) c += (c.empty() ? "" : ", ") + k + "=" + v;
    return "no worker in queue " + job.queue + " has the labels " + c;
  }
  if (job.need.cpus > cpus)
    return fmt::format("needs {} cpus; the largest worker has {}", job.need.cpus, cpus);
  if (job.need.gpus > gpus) return fmt::format("needs {} gpus; the most any worker has is {}", job.need.gpus, gpus);
  if (job.need.mem_mb > mem)
    return "needs " + format_mem_mb(job.need.mem_mb) + " memory; the largest worker has " + format_mem_mb(mem);
  for (const auto& [name, n] : job.need.named) {
    std::uint64_t most = 0;
    pool.for_each([&](const Worker& w) {
      auto it = w.capacity.named.find(name);
      if (it != w.capacity.named.end() && w.state != WorkerState::Lost) most = std::max(most, it->second);
    });
    if (n > most) return fmt::format("needs {}={}; the most any worker has is {}", name, n, most);
  }
  return "needs " + job.need.describe() + ", which no single worker has";
}

}  // namespace

void BrokerEngine::handle_explain(const std::string& peer, std::uint64_t rid, const pb::ExplainRequest& m, TimeMs now,
                                  const Requester& who) {
  auto r = resolve(m.target());
  if (r && hidden(who, *r->job)) r = Status::error("job " + m.target() + " belongs to another user (jobs are private here)");
  if (!r) {
    reply_error(peer, rid, 1, r.error());
    return;
  }
  const Job& job = *r->job;
  pb::Envelope env;
  pb::ExplainReply* out = env.mutable_explain_reply();
  out->set_job(m.target());
  out->set_state(state_name(job.summary()));
  out->set_reason(job.pending_total() > 0 ? reason_name(job.reason) : "");
  auto say = [&](std::string s) { out->add_details(std::move(s)); };

  if (job.terminal()) {
    say(fmt::format("job {} has finished: {} (exit status for wait: {})", job.id, state_name(job.summary()), job.worst_code));
    if (job.out_of_memory > 0)
      say(fmt::format("{} task(s) went past the job's --mem limit and the kernel's OOM killer ended them", job.out_of_memory));
  } else if (job.pending_total() == 0) {
    std::string where;
    for (const auto& [o, rec] : job.tasks)
      if (rec.state == pb::RUNNING) where += (where.empty() ? "" : ", ") + job.task_name(o) + " on " + pool_.name_of(rec.worker);
    say("job " + std::to_string(job.id) + " is running: " + where);
  }
  if (job.pending_total() > 0) {
    switch (job.gate) {
      case Gate::Held: say(fmt::format("held: `baton release {}` lets it run", job.id)); break;
      case Gate::Dependency:
        for (const DepTerm& t : job.dep.terms) {
          if (t.type == DepType::Singleton) {
            auto g = groups_.find({job.spec.user(), job.spec.name()});
            if (g != groups_.end() && !g->second.empty() && *g->second.begin() != job.id)
              say(fmt::format("waiting for job {} of the same name '{}' and user to end (singleton)", *g->second.begin(), job.spec.name()));
            continue;
          }
          for (JobId d : t.jobs) {
            auto it = jobs_.find(d);
            const std::string st = it == jobs_.end() ? "unknown" : state_name(it->second.summary());
            if (job.dep_state == DepState::Never)
              say(fmt::format("dependency {}:{} can never be satisfied: job {} is {}", dep_type_name(t.type), d, d, st));
            else
              say(fmt::format("waiting on job {} ({}); it is {}", d, dep_type_name(t.type), st));
          }
        }
        if (job.dep_state == DepState::Never) say(fmt::format("it stays pending; `baton cancel {}` removes it", job.id));
        break;
      case Gate::Begin:
        say(fmt::format("begins at {} (in {})", format_local_time(job.spec.begin_ms()),
                        format_duration((job.spec.begin_ms() - now) / 1000 * 1000)));
        break;
      case Gate::Limit: {
        const std::uint32_t running = sched_.limits().running(job.extras().limit_key);
        if (job.reason == Reason::Throttle)
          say(fmt::format("throttled: {} of at most {} tasks of this array are running (%{})", running, job.spec.throttle(), job.spec.throttle()));
        else if (job.reason == Reason::UserLimit)
          say(fmt::format("user {} has {} tasks running, the per-user cap", job.spec.user(), running));
        else
          say(fmt::format("queue {} has {} tasks running, its cap", job.queue, running));
        break;
      }
      case Gate::Parked: {
        say(never_fits(pool_, job));
        const Worker* largest = nullptr;
        pool_.for_each([&](const Worker& w) {
          if (w.state != WorkerState::Lost && w.serves(job.queue) && (!largest || w.capacity.cpus > largest->capacity.cpus))
            largest = &w;
        });
        if (largest) out->set_largest_worker(largest->name);
        break;
      }
      case Gate::Ready: {
        const std::size_t pos = sched_.queue().position(job);
        out->set_queue_position(static_cast<std::int32_t>(pos + 1));
        std::size_t same = 0;
        for (JobId id : active_) {
          const Job& o = jobs_.at(id);
          if (o.id != job.id && o.gate == Gate::Ready && o.queue == job.queue && o.need == job.need &&
              (o.order_a < job.order_a || (o.order_a == job.order_a && (o.order_b < job.order_b || (o.order_b == job.order_b && o.id < job.id)))))
            ++same;
        }
        out->set_ahead_same_resources(static_cast<std::int32_t>(same));
        std::string free_note;
        std::uint32_t best_free = 0;
        pool_.for_each([&](const Worker& w) {
          if (w.accepts_work() && pool_.eligible(w, job)) best_free = std::max(best_free, w.capacity.cpus - w.used.cpus);
        });
        if (job.need.cpus > best_free)
          free_note = fmt::format("; it needs {} cpus and the eligible workers have at most {} free", job.need.cpus, best_free);
        say(fmt::format("position {} in queue {}; {} job(s) of higher priority wait for the same resources{}", pos + 1,
                        job.queue, same, free_note));
        const auto& res = sched_.reservation();
        if (res && res->job == job.id) {
          say(res->start == kNever
                  ? fmt::format("it holds the reservation on worker {}, which starts when tasks there end (they have no time limit)", pool_.name_of(res->worker))
                  : fmt::format("it holds the reservation on worker {} from {}", pool_.name_of(res->worker), format_local_time(res->start)));
        }
        break;
      }
      default: break;
    }
    if (!job.extras().corr_wait.empty())
      say(fmt::format("{} task(s) wait for their matching task of job {} (aftercorr)", job.extras().corr_wait.size(), job.dep.jobs().front()));
    if (!job.extras().corr_never.empty())
      say(fmt::format("{} task(s) can never start: their matching task did not complete", job.extras().corr_never.size()));
    for (const auto& [o, rec] : job.tasks)
      if (rec.state == pb::PENDING && rec.eligible_ms > now)
        say(fmt::format("task {} retries at {} (attempt {} failed)", job.task_name(o), format_local_time(rec.eligible_ms), rec.attempt));
  }
  reply(peer, rid, std::move(env));
}

}  // namespace baton
