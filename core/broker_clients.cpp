// BrokerEngine: client requests that change things (submit, cancel, hold,
// release, update, wait, drain). Views (status, explain, workers) are in
// broker_views.cpp.
#include <spdlog/spdlog.h>

#include "core/broker_engine.h"
#include "core/entries.h"
#include "core/timefmt.h"

namespace baton {

void BrokerEngine::reply(const std::string& peer, std::uint64_t rid, pb::Envelope msg) {
  msg.set_request_id(rid);
  out_.send(Channel::Client, peer, std::move(msg));
}

void BrokerEngine::reply_error(const std::string& peer, std::uint64_t rid, int code, const std::string& error) {
  pb::Envelope env;
  pb::Reply* r = env.mutable_reply();
  r->set_ok(false);
  r->set_code(code);
  r->set_error(error);
  reply(peer, rid, std::move(env));
}

void BrokerEngine::on_client_message(const std::string& peer, const pb::Envelope& msg, TimeMs now,
                                     const Requester& who) {
  const std::uint64_t rid = msg.request_id();
  switch (msg.body_case()) {
    case pb::Envelope::kSubmit: handle_submit(peer, rid, msg.submit(), now, who); break;
    case pb::Envelope::kStatus: handle_status(peer, rid, msg.status(), who); break;
    case pb::Envelope::kCancel: handle_cancel(peer, rid, msg.cancel(), now, who); break;
    case pb::Envelope::kHold: handle_hold(peer, rid, msg.hold(), now, who); break;
    case pb::Envelope::kUpdate: handle_update(peer, rid, msg.update(), now, who); break;
    case pb::Envelope::kWait: handle_wait(peer, rid, msg.wait(), now); break;
    case pb::Envelope::kWorkers:
      if ((!msg.workers().drain().empty() || !msg.workers().resume().empty()) && who.authenticated && !who.admin) {
        reply_error(peer, rid, 1, "only an admin may drain or resume workers (user " + who.user + ")");
        break;
      }
      handle_workers(peer, rid, msg.workers(), now);
      break;
    case pb::Envelope::kExplain: handle_explain(peer, rid, msg.explain(), now, who); break;
    case pb::Envelope::kLogs: handle_logs(peer, rid, msg.logs(), now, who); break;
    case pb::Envelope::kCron: handle_cron(peer, rid, msg.cron(), now, who); break;
    case pb::Envelope::kPing: {
      pb::Envelope env;
      env.mutable_pong()->set_broker_id(cfg_.broker_id);
      reply(peer, rid, std::move(env));
      break;
    }
    default: reply_error(peer, rid, 3, "this broker does not handle that request"); break;
  }
}

// ---------------------------------------------------------------- submit

std::string BrokerEngine::denied(const Requester& who, const Job& job, const char* action) const {
  if (!who.authenticated || who.admin || job.spec.user() == who.user) return "";
  return "job " + std::to_string(job.id) + " belongs to " + job.spec.user() + ": only " + job.spec.user() +
         " or an admin may " + action + " it (you are " + who.user + ")";
}

bool BrokerEngine::hidden(const Requester& who, const Job& job) const {
  return cfg_.private_jobs && who.authenticated && !who.admin && job.spec.user() != who.user;
}

Result<JobId> BrokerEngine::submit(pb::JobSpec spec, TimeMs now, std::vector<std::string>* warnings,
                                   const Requester& who) {
  // With a key, the user is the key's, whatever the request says.
  if (who.authenticated) spec.set_user(who.user);
  if (const std::size_t bytes = spec.ByteSizeLong() - spec.entries().size();
      cfg_.max_spec_bytes && bytes > cfg_.max_spec_bytes)
    return Status::error(fmt::format("the job is {} bytes (script, environment and options); the limit is {} "
                                     "(broker.max_spec_size)",
                                     bytes, cfg_.max_spec_bytes));
  std::uint64_t env_bytes = 0;
  for (const auto& kv : spec.env()) env_bytes += kv.size();
  if (cfg_.max_env_bytes && env_bytes > cfg_.max_env_bytes)
    return Status::error(fmt::format("the job's environment is {} bytes; the limit is {} (broker.max_env_size): "
                                     "submit with --export=NONE or a shorter list",
                                     env_bytes, cfg_.max_env_bytes));
  if (cfg_.max_active_per_user) {
    auto n = active_per_user_.find(spec.user());
    if (n != active_per_user_.end() && n->second >= cfg_.max_active_per_user)
      return Status::error(fmt::format("user {} already has {} unfinished jobs, the limit (broker.max_jobs_per_user); "
                                       "use an array for many alike tasks",
                                       spec.user(), n->second));
  }
  if (spec.argv().empty() && spec.script().empty())
    return Status::error("nothing to run: give a command after --, a script, or --wrap");
  if (!spec.array().empty()) {
    auto parsed = ArraySpec::parse(spec.array(), cfg_.max_array_size);
    if (!parsed) return parsed.status();
    if (parsed->throttle) spec.set_throttle(parsed->throttle);
    spec.set_array(parsed->spec.to_string());
    if (!spec.entries().empty())
      if (Status st = check_entries(spec.entries(), parsed->spec.max(), cfg_.max_entries_bytes); !st) return st;
  } else if (!spec.entries().empty()) {
    return Status::error("--each-line: the job has lines but no array of tasks");
  }
  auto dep = parse_dependency(spec.dependency());
  if (!dep) return dep.status();
  for (const DepTerm& t : dep->terms) {
    if (t.type == DepType::AfterCorr && t.jobs.size() != 1)
      return Status::error("aftercorr takes exactly one job id (aftercorr:JOBID)");
    for (JobId id : t.jobs)
      if (!find(id) && !evicted_.count(id)) return Status::error("dependency on unknown job " + std::to_string(id));
  }
  const bool privileged = who.authenticated ? who.admin : spec.uid() == cfg_.owner_uid || spec.uid() == 0;
  if (spec.priority() > 0 && !privileged)
    return Status::error("only an admin (or the broker's owner) may raise --priority; use --nice to lower your own jobs");
  if (spec.nice() < 0 && !privileged)
    return Status::error("only an admin (or the broker's owner) may use a negative --nice");
  // Bounds that keep every time computed from these within range.
  constexpr std::int64_t kMaxSeconds = 100LL * 365 * 86400;
  if (spec.time_limit_s() < 0 || spec.time_limit_s() > kMaxSeconds)
    return Status::error("the time limit must be between 0 and 100 years");
  if (spec.warn_before_s() < 0 || spec.warn_before_s() > kMaxSeconds)
    return Status::error("--signal's warning time must be between 0 and 100 years");
  if (spec.retry_delay_ms() < 0 || spec.retry_delay_ms() > kMaxSeconds * 1000)
    return Status::error("--retry-delay must be between 0 and 100 years");
  if (spec.begin_ms() < 0 || spec.begin_ms() > kMaxSeconds * 1000 * 2)
    return Status::error("the begin time is out of range");
  if (spec.name().empty()) {
    const std::string& first = spec.argv().empty() ? spec.script_path() : spec.argv(0);
    spec.set_name(first.substr(first.find_last_of('/') + 1));
    if (spec.name().empty()) spec.set_name("job");
  }

  const JobId id = next_id_++;
  Job& job = add_job(id, std::move(spec), now);
  corr_init(job);
  journal_.record_job(job);
  observe_submitted(job, now);
  if (!pool_.could_ever_fit(job) && warnings) {
    std::string largest;
    std::uint32_t most = 0;
    pool_.for_each([&](const Worker& w) {
      if (w.state != WorkerState::Lost && w.capacity.cpus >= most) most = w.capacity.cpus, largest = w.name;
    });
    std::string msg = "no registered worker can run a task needing " + job.need.describe() + " in queue " + job.queue;
    if (!job.extras().constraints.empty()) msg += " with the given constraints";
    msg += largest.empty() ? " (no workers are registered)" : " (largest: " + largest + ", " + std::to_string(most) + " cpus)";
    warnings->push_back(msg + "; it waits until one registers");
  }
  job.dep_state = job.dep.empty() ? DepState::Satisfied : DepState::Waiting;
  if (!job.dep.empty()) reevaluate(job, now);
  if (!job.terminal()) sched_.regate(job, now);
  dirty_ = true;
  return id;
}

void BrokerEngine::handle_submit(const std::string& peer, std::uint64_t rid, const pb::SubmitRequest& m, TimeMs now,
                                 const Requester& who) {
  const std::string& token = m.spec().submit_token();
  if (!token.empty()) {
    if (auto t = tokens_.find(token); t != tokens_.end()) {
      pb::Envelope env;
      env.mutable_submit_reply()->set_job_id(t->second);  // a re-sent submit: the job it made
      reply(peer, rid, std::move(env));
      return;
    }
  }
  std::vector<std::string> warnings;
  auto r = submit(m.spec(), now, &warnings, who);
  if (!r) {
    reply_error(peer, rid, 1, r.error());
    return;
  }
  if (!token.empty()) remember_token(token, *r, now, now);
  pb::Envelope env;
  env.mutable_submit_reply()->set_job_id(*r);
  for (auto& w : warnings) env.mutable_submit_reply()->add_warnings(w);
  reply(peer, rid, std::move(env));
}

void BrokerEngine::remember_token(const std::string& token, JobId id, TimeMs submitted, TimeMs now) {
  while (!token_order_.empty() && token_order_.front().first + kTokenWindowMs <= now) {
    tokens_.erase(token_order_.front().second);
    token_order_.pop_front();
  }
  if (submitted + kTokenWindowMs <= now) return;
  tokens_[token] = id;
  token_order_.emplace_back(submitted, token);
}

// ---------------------------------------------------------------- targets

Result<BrokerEngine::Resolved> BrokerEngine::resolve(const std::string& text) {
  auto t = parse_target(text);
  if (!t) return Status::error("bad job id '" + text + "': expected JOBID, JOBID_INDEX or JOBID_[RANGE]");
  Job* job = find(t->job);
  if (!job) return Status::error(gone_error(t->job));
  Resolved r;
  r.job = job;
  if (!t->indices) {
    r.ordinals = IntervalSet::range(0, job->array.count() - 1);
    return r;
  }
  if (!job->is_array) return Status::error("job " + std::to_string(job->id) + " is not an array; use " + std::to_string(job->id));
  auto o = job->array.ordinals_in(*t->indices);
  if (!o) return o.status();
  if (o->empty()) return Status::error("job " + std::to_string(job->id) + " has no task " + text.substr(text.find('_') + 1));
  r.whole = false;
  r.ordinals = std::move(*o);
  return r;
}

// ---------------------------------------------------------------- cancel

void BrokerEngine::handle_cancel(const std::string& peer, std::uint64_t rid, const pb::CancelRequest& m, TimeMs now,
                                 const Requester& who) {
  pb::Envelope env;
  pb::Reply* out = env.mutable_reply();
  out->set_ok(true);
  for (const std::string& target : m.targets()) {
    auto r = resolve(target);
    if (!r) {
      auto t = parse_target(target);
      if (t && evicted_.count(t->job)) {  // ended long ago: as for any finished job
        out->add_messages("job " + target + " already finished");
        continue;
      }
      out->set_ok(false);
      out->set_code(1);
      out->add_messages(r.error());
      continue;
    }
    Job& job = *r->job;
    if (std::string no = denied(who, job, m.signal() ? "signal" : "cancel"); !no.empty()) {
      out->set_ok(false);
      out->set_code(1);
      out->add_messages(no);
      continue;
    }
    if (job.terminal()) {
      out->add_messages("job " + target + " already finished (" + state_name(job.summary()) + ")");
      continue;
    }
    std::vector<std::string> notes;
    std::vector<std::uint64_t> running;
    for (auto [lo, hi] : r->ordinals.intervals())
      for (auto it = job.tasks.lower_bound(lo); it != job.tasks.end() && it->first <= hi; ++it)
        if (it->second.state == pb::RUNNING) running.push_back(it->first);
    if (m.signal() == 0) cancel_pending(job, r->ordinals, now);
    for (std::uint64_t o : running) cancel_task(job, o, m.signal(), now, notes);
    if (m.signal() != 0 && running.empty()) notes.push_back("job " + target + " has no running task to signal");
    for (auto& n : notes) out->add_messages(n);
  }
  settle_dependencies(now);
  reply(peer, rid, std::move(env));
}

// ---------------------------------------------------------------- hold / release

void BrokerEngine::handle_hold(const std::string& peer, std::uint64_t rid, const pb::HoldRequest& m, TimeMs now,
                               const Requester& who) {
  pb::Envelope env;
  pb::Reply* out = env.mutable_reply();
  out->set_ok(true);
  for (const std::string& target : m.targets()) {
    auto r = resolve(target);
    if (!r || !r->whole) {
      out->set_ok(false);
      out->set_code(1);
      out->add_messages(!r ? r.error() : "hold and release apply to whole jobs, not " + target);
      continue;
    }
    Job& job = *r->job;
    if (std::string no = denied(who, job, m.hold() ? "hold" : "release"); !no.empty()) {
      out->set_ok(false);
      out->set_code(1);
      out->add_messages(no);
      continue;
    }
    if (job.pending_total() == 0) {
      out->set_ok(false);
      out->set_code(1);
      out->add_messages("job " + target + " has no pending tasks (" + state_name(job.summary()) + ")");
      continue;
    }
    if (job.spec.hold() == m.hold()) continue;
    job.spec.edit([&](pb::JobSpec& s) { s.set_hold(m.hold()); });
    journal_.record_job(job);
    sched_.regate(job, now);
  }
  dirty_ = true;
  reply(peer, rid, std::move(env));
}

// ---------------------------------------------------------------- update

void BrokerEngine::handle_update(const std::string& peer, std::uint64_t rid, const pb::UpdateRequest& m, TimeMs now,
                                 const Requester& who) {
  auto r = resolve(m.target());
  if (!r || !r->whole) {
    reply_error(peer, rid, 1, !r ? r.error() : "update applies to whole jobs, not " + m.target());
    return;
  }
  Job& job = *r->job;
  if (std::string no = denied(who, job, "update"); !no.empty()) {
    reply_error(peer, rid, 1, no);
    return;
  }
  if (job.terminal()) {
    reply_error(peer, rid, 1, "job " + m.target() + " already finished");
    return;
  }
  pb::JobSpec next = job.spec.full();
  const bool privileged = who.authenticated ? who.admin : m.uid() == cfg_.owner_uid || m.uid() == 0;
  bool throttle_changed = false, name_changed = false;
  for (const auto& [key, value] : m.fields()) {
    auto bad = [&](const std::string& why) {
      reply_error(peer, rid, 2, "bad value for " + key + "='" + value + "': " + why);
    };
    auto to_int = [&](std::int64_t& out) {
      try {
        std::size_t used = 0;
        out = std::stoll(value, &used);
        return used == value.size();
      } catch (...) {
        return false;
      }
    };
    std::int64_t n = 0;
    if (key == "priority") {
      if (!to_int(n)) return bad("expected an integer");
      if (n > next.priority() && !privileged)
        return reply_error(peer, rid, 1, "only an admin (or the broker's owner) may raise the priority of job " + m.target());
      next.set_priority(static_cast<std::int32_t>(n));
    } else if (key == "nice") {
      if (!to_int(n)) return bad("expected an integer");
      if (n < next.nice() && !privileged)
        return reply_error(peer, rid, 1, "only an admin (or the broker's owner) may lower the nice value of job " + m.target());
      next.set_nice(static_cast<std::int32_t>(n));
    } else if (key == "time" || key == "timelimit") {
      auto t = parse_time_limit(value);
      if (!t) return bad(t.error());
      if (*t > 100LL * 365 * 86400) return bad("longer than 100 years");
      next.set_time_limit_s(*t);
    } else if (key == "begin") {
      auto t = parse_begin(value, now);
      if (!t) return bad(t.error());
      next.set_begin_ms(*t);
    } else if (key == "name") {
      if (value.empty()) return bad("the name must not be empty");
      next.set_name(value);
      name_changed = true;
    } else if (key == "throttle") {
      if (!to_int(n) || n < 0) return bad("expected a count, 0 for none");
      if (!job.is_array) return reply_error(peer, rid, 1, "throttle applies to arrays; job " + m.target() + " is not one");
      next.set_throttle(static_cast<std::uint32_t>(n));
      throttle_changed = true;
    } else if (key == "retries") {
      if (!to_int(n) || n < 0) return bad("expected a count");
      next.set_retries(static_cast<std::uint32_t>(n));
    } else {
      return reply_error(peer, rid, 2, "cannot update '" + key + "': use priority, nice, time, begin, name, throttle or retries");
    }
  }
  const bool only_running_ok = throttle_changed && m.fields_size() == 1;
  if (job.pending_total() == 0 && !only_running_ok && m.fields().count("retries") == 0) {
    reply_error(peer, rid, 1, "job " + m.target() + " has no pending tasks; only throttle and retries can change now");
    return;
  }
  sched_.leave(job);
  if (name_changed) {
    auto g = groups_.find({job.spec.user(), job.spec.name()});
    if (g != groups_.end()) {
      g->second.erase(job.id);
      if (!g->second.empty()) dep_work_.push_back(*g->second.begin());
    }
    groups_[{next.user(), next.name()}].insert(job.id);
  }
  job.spec.assign(next);
  journal_.record_job(job);
  pool_.for_each([&](Worker& w) { w.specs.erase(job.id); });  // send the new spec with the next task
  if (name_changed && job.dep.has(DepType::Singleton)) reevaluate(job, now);
  sched_.regate(job, now);
  if (throttle_changed) sched_.limits_changed(Limits::job_key(job), now);
  settle_dependencies(now);
  dirty_ = true;
  pb::Envelope env;
  env.mutable_reply()->set_ok(true);
  reply(peer, rid, std::move(env));
}

// ---------------------------------------------------------------- workers drain/resume

void BrokerEngine::handle_workers(const std::string& peer, std::uint64_t rid, const pb::WorkersRequest& m, TimeMs now) {
  const std::string& target = !m.drain().empty() ? m.drain() : m.resume();
  if (!target.empty()) {
    bool matched = false;
    pool_.for_each([&](Worker& w) {
      if (w.name != target && w.host != target) return;
      matched = true;
      w.admin_drain = !m.drain().empty();
      pool_.refresh(w);
      observe_worker(w, w.admin_drain ? EventKind::WorkerDrained : EventKind::WorkerResumed, now);
      spdlog::info("worker {} {}", w.name, w.admin_drain ? "drained: no new tasks start there" : "resumed");
    });
    if (!matched) {
      reply_error(peer, rid, 1, "no worker named " + target);
      return;
    }
    dirty_ = true;
    sched_.workers_changed(now);
  }
  pb::Envelope env;
  pb::WorkersReply* out = env.mutable_workers_reply();
  pool_.for_each([&](const Worker& w) {
    if (w.registered_ms > 0) fill_worker_info(w, out->add_workers());  // not names only known from the journal
  });
  reply(peer, rid, std::move(env));
}

// ---------------------------------------------------------------- wait

void BrokerEngine::handle_wait(const std::string& peer, std::uint64_t rid, const pb::WaitRequest& m, TimeMs) {
  Waiter w;
  w.peer = peer;
  w.request_id = rid;
  w.any = m.any();
  // Jobs that left memory ended long ago: their exit status is known.
  std::optional<int> gone_code;
  for (const std::string& target : m.targets()) {
    auto r = resolve(target);
    if (!r) {
      auto t = parse_target(target);
      if (auto e = t ? evicted_.find(t->job) : evicted_.end(); e != evicted_.end()) {
        gone_code = std::max(gone_code.value_or(0), e->second.wait_code);
        continue;
      }
      reply_error(peer, rid, 1, r.error());
      return;
    }
    w.targets.emplace_back(r->job->id, r->whole ? std::nullopt : std::optional<IntervalSet>(r->ordinals));
  }
  if (w.targets.empty() && !gone_code) {
    reply_error(peer, rid, 2, "wait needs at least one job id");
    return;
  }
  int code = 0;
  pb::Envelope env;
  if (gone_code && (w.any || w.targets.empty())) {
    env.mutable_wait_reply()->set_exit_code(*gone_code);
    reply(peer, rid, std::move(env));
    return;
  }
  w.base_code = gone_code.value_or(0);
  if (wait_ready(w, code, *env.mutable_wait_reply())) {
    env.mutable_wait_reply()->set_exit_code(code);
    reply(peer, rid, std::move(env));
    return;
  }
  // A client re-sending the same wait (after a reconnect) replaces its old one.
  for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
    if (it->second.peer == peer && it->second.request_id == rid) {
      waiters_.erase(it);
      break;
    }
  }
  const std::uint64_t id = next_waiter_++;
  for (const auto& [job, _] : w.targets) waiters_by_job_.emplace(job, id);
  waiters_.emplace(id, std::move(w));
}

bool BrokerEngine::wait_ready(const Waiter& w, int& code, pb::WaitReply& reply) const {
  code = w.base_code;
  bool any_done = false, all_done = true;
  for (const auto& [id, only] : w.targets) {
    const Job& job = jobs_.at(id);
    bool done = true;
    int c = 0;
    if (!only) {
      done = job.terminal();
      c = job.worst_code;
    } else {
      for (auto [lo, hi] : only->intervals()) {
        for (std::uint64_t o = lo; o <= hi && done; ++o) {
          if (job.extras().cancelled_pending.contains(o)) {
            c = std::max(c, 125);
            continue;
          }
          auto it = job.tasks.find(o);
          if (it == job.tasks.end() || !is_terminal(it->second.state)) done = false;
          else c = std::max(c, wait_code(it->second));
        }
      }
    }
    if (done) {
      if (w.any && any_done) continue;
      fill_job_info(job, reply.add_jobs(), only);
      if (w.any && !any_done) code = c;
      else code = std::max(code, c);
      any_done = true;
    } else {
      all_done = false;
    }
  }
  return w.any ? any_done : all_done;
}

void BrokerEngine::wake_waiters(JobId job) {
  auto range = waiters_by_job_.equal_range(job);
  std::vector<std::uint64_t> ids;
  for (auto it = range.first; it != range.second; ++it) ids.push_back(it->second);
  for (std::uint64_t id : ids) {
    auto w = waiters_.find(id);
    if (w == waiters_.end()) continue;
    int code = 0;
    pb::Envelope env;
    if (!wait_ready(w->second, code, *env.mutable_wait_reply())) continue;
    env.mutable_wait_reply()->set_exit_code(code);
    reply(w->second.peer, w->second.request_id, std::move(env));
    waiters_.erase(w);
  }
  // Drop index entries of waiters that are gone.
  for (auto it = waiters_by_job_.lower_bound(job); it != waiters_by_job_.end() && it->first == job;) {
    if (!waiters_.count(it->second)) it = waiters_by_job_.erase(it);
    else ++it;
  }
}

void BrokerEngine::on_client_gone(const std::string& peer) {
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second.peer == peer) it = waiters_.erase(it);
    else ++it;
  }
  std::erase_if(reads_, [&](const auto& kv) { return kv.second.peer == peer; });
}

}  // namespace baton
