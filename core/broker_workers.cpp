// BrokerEngine: the worker side of the protocol (REGISTER, HEARTBEAT, STARTED,
// FINISHED, DRAIN, DISCONNECT), and reconciling what a worker says it runs
// with what the broker believes.
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/broker_engine.h"

namespace baton {

namespace {

pb::TaskRef make_ref(const Job& job, std::uint64_t ordinal, Attempt attempt) {
  pb::TaskRef r;
  r.set_job(job.id);
  r.set_index(job.index_of(ordinal));
  r.set_attempt(attempt);
  return r;
}

}  // namespace

void BrokerEngine::send_worker(const Worker& w, pb::Envelope msg) {
  if (w.peer.empty()) return;
  out_.send(Channel::Worker, w.peer, std::move(msg));
}

void BrokerEngine::kill_stale(const std::string& peer, const pb::TaskRef& t) {
  pb::Envelope env;
  pb::Kill* k = env.mutable_kill();
  *k->mutable_task() = t;
  k->set_terminate(true);
  out_.send(Channel::Worker, peer, std::move(env));
}

void BrokerEngine::on_worker_message(const std::string& peer, const pb::Envelope& msg, TimeMs now) {
  dirty_ = true;
  if (msg.has_register_()) {
    handle_register(peer, msg.register_(), now);
    return;
  }
  Worker* w = pool_.by_peer(peer);
  if (!w) {
    // Unknown or expired: ask it to register again (it will report its tasks).
    if (msg.has_finished() || msg.has_heartbeat() || msg.has_started()) {
      pb::Envelope env;
      env.mutable_disconnect()->set_reason("unknown worker; register again");
      out_.send(Channel::Worker, peer, std::move(env));
    }
    return;
  }
  pool_.touch(*w, now);
  switch (msg.body_case()) {
    case pb::Envelope::kHeartbeat: handle_heartbeat(*w, msg.heartbeat(), now); break;
    case pb::Envelope::kStarted: {
      const pb::TaskRef& t = msg.started().task();
      Job* job = find(t.job());
      if (!job) break;
      auto ordinal = job->array.ordinal_of(t.index());
      if (!ordinal) break;
      auto rec = job->tasks.find(*ordinal);
      if (rec == job->tasks.end() || rec->second.attempt != t.attempt() || rec->second.state != pb::RUNNING) break;
      rec->second.start_ms = msg.started().start_ms();
      break;
    }
    case pb::Envelope::kFinished:
      // Acked at the end of the turn, all of this worker's results in one message.
      handle_finished(w, msg.finished().result(), now, acks_[w->slot]);
      break;
    case pb::Envelope::kLogChunk: handle_log_chunk(*w, msg.log_chunk()); break;
    case pb::Envelope::kDrain:
      w->state = msg.drain().on() ? WorkerState::Draining : WorkerState::Up;
      pool_.refresh(*w);
      observe_worker(*w, msg.drain().on() ? EventKind::WorkerDrained : EventKind::WorkerResumed, now);
      spdlog::info("worker {} is {}", w->name, msg.drain().on() ? "draining" : "back from draining");
      break;
    case pb::Envelope::kDisconnect:
      spdlog::info("worker {} disconnected: {}", w->name, msg.disconnect().reason());
      worker_lost(*w, now, "disconnected");
      break;
    default:
      spdlog::warn("worker {} sent an unexpected {} message; ignored", w->name, static_cast<int>(msg.body_case()));
  }
}

void BrokerEngine::handle_register(const std::string& peer, const pb::Register& m, TimeMs now) {
  if (m.name().empty()) {
    pb::Envelope env;
    env.mutable_disconnect()->set_reason("register without a worker name");
    out_.send(Channel::Worker, peer, std::move(env));
    return;
  }
  Worker* existing = pool_.by_name(m.name());
  if (existing && existing->state != WorkerState::Lost && existing->peer != peer) {
    spdlog::warn("worker {} registered again from a new connection; reconciling its tasks", m.name());
  }
  Worker& w = pool_.upsert(m.name(), peer, now);
  w.host = m.host().empty() ? m.name() : m.host();
  w.capacity = Resources::from_proto(m.capacity());
  if (w.capacity.cpus == 0) w.capacity.cpus = 1;
  w.gpu_ids.assign(m.gpu_ids().begin(), m.gpu_ids().end());
  w.capacity.gpus = static_cast<std::uint32_t>(w.gpu_ids.size());
  w.queues.assign(m.queues().begin(), m.queues().end());
  if (w.queues.empty()) w.queues.push_back("default");
  w.labels = {m.labels().begin(), m.labels().end()};
  w.weight = m.weight() ? m.weight() : 1;
  w.state = m.draining() ? WorkerState::Draining : WorkerState::Up;
  observe_worker(w, EventKind::WorkerJoined, now);

  // Results that finished while the broker was away (or unacknowledged)
  // first: a task that ended is not "missing" and must not be requeued.
  pb::Envelope ack_env;
  pb::FinishedAck* ack = ack_env.mutable_finished_ack();
  for (const auto& r : m.unacked()) handle_finished(&w, r, now, *ack);

  // What it says it runs, by task, with the attempt.
  std::map<TaskKey, std::pair<Attempt, TimeMs>> reported;
  for (const auto& rt : m.running()) {
    Job* job = find(rt.task().job());
    auto ordinal = job ? job->array.ordinal_of(rt.task().index()) : std::nullopt;
    if (!ordinal) {
      kill_stale(peer, rt.task());
      continue;
    }
    reported[{job->id, *ordinal}] = {rt.task().attempt(), rt.start_ms()};
  }

  // Tasks the broker believes run there: from this session, or from the journal.
  std::set<TaskKey> believed = w.tasks;
  const std::set<TaskKey> dispatched_here = w.tasks;  // by this broker, not recovered
  if (auto o = orphans_.find(w.name); o != orphans_.end()) {
    believed.insert(o->second.begin(), o->second.end());
    orphans_.erase(o);
  }
  // Rebuild the worker's accounting from scratch, keeping the tasks that match.
  // (release() erases from w.tasks, so walk a copy.)
  for (const TaskKey& t : std::vector<TaskKey>(w.tasks.begin(), w.tasks.end())) {
    Job& job = jobs_.at(t.job);
    pool_.release(w, t, job.need, job.tasks.at(t.ordinal).gpus);
  }
  w.gpus_free = w.gpu_ids;
  w.used = Resources{};
  for (const TaskKey& t : believed) {
    Job& job = jobs_.at(t.job);
    TaskRecord& rec = job.tasks.at(t.ordinal);
    auto keep = [&] {
      // allocate() takes the lowest free GPU ids; the task keeps the ones it
      // was given at dispatch, so give those back and take its own.
      for (auto g : pool_.allocate(w, t, job.need))
        w.gpus_free.insert(std::lower_bound(w.gpus_free.begin(), w.gpus_free.end(), g), g);
      for (auto g : rec.gpus) std::erase(w.gpus_free, g);
      rec.worker = w.slot;
    };
    auto r = reported.find(t);
    if (r != reported.end() && r->second.first == rec.attempt && rec.state == pb::RUNNING) {
      keep();
      if (r->second.second) rec.start_ms = r->second.second;
      reported.erase(r);
      continue;
    }
    if (rec.state != pb::RUNNING) continue;
    if (dispatched_here.count(t) && now - rec.dispatched_ms < 2 * cfg_.heartbeat_ms) {
      // Dispatched after the worker sent this registration: its Assign may
      // still be in flight. Heartbeats settle it, as for any new task.
      keep();
      continue;
    }
    // It was running there but the worker no longer has it.
    spdlog::warn("task {} (attempt {}) is no longer on worker {}; requeueing", job.task_name(t.ordinal),
                 rec.attempt, w.name);
    if (job.running > 0) --job.running;
    sched_.task_ended(job, rec, now);
    if (rec.cancel_requested) end_task(job, t.ordinal, rec, pb::CANCELLED, now);
    else requeue(job, t.ordinal, rec, now, /*crash=*/true);
  }
  for (const auto& [t, att] : reported) {
    Job& job = jobs_.at(t.job);
    kill_stale(peer, make_ref(job, t.ordinal, att.first));
  }

  pb::Envelope env;
  pb::Registered* reg = env.mutable_registered();
  reg->set_heartbeat_ms(static_cast<std::uint32_t>(cfg_.heartbeat_ms));
  reg->set_liveness(cfg_.liveness);
  reg->set_broker_id(cfg_.broker_id);
  out_.send(Channel::Worker, peer, std::move(env));
  if (ack->tasks_size() > 0) out_.send(Channel::Worker, peer, std::move(ack_env));

  pool_.refresh(w);
  resend_reads(w);
  spdlog::info("worker {} registered: {}, queues {}, {} running task(s)", w.name, w.capacity.describe(),
               fmt::join(w.queues, ","), w.tasks.size());
  sched_.workers_changed(now);
}

void BrokerEngine::handle_heartbeat(Worker& w, const pb::Heartbeat& m, TimeMs now) {
  // Reconcile: a task dispatched here a while ago that the worker does not list
  // was lost in transit (or with a reconnect); one it lists that the broker
  // does not place there is stale and gets killed.
  std::set<TaskKey> listed;
  for (const auto& t : m.running()) {
    Job* job = find(t.job());
    auto ordinal = job ? job->array.ordinal_of(t.index()) : std::nullopt;
    const TaskRecord* rec = nullptr;
    if (ordinal) {
      auto it = job->tasks.find(*ordinal);
      if (it != job->tasks.end()) rec = &it->second;
    }
    if (!rec || rec->state != pb::RUNNING || rec->attempt != t.attempt() || rec->worker != w.slot) {
      kill_stale(w.peer, t);
      continue;
    }
    listed.insert({job->id, *ordinal});
  }
  const TimeMs grace = 2 * cfg_.heartbeat_ms;
  const std::vector<TaskKey> mine(w.tasks.begin(), w.tasks.end());
  for (const TaskKey& t : mine) {
    if (listed.count(t)) continue;
    Job& job = jobs_.at(t.job);
    TaskRecord& rec = job.tasks.at(t.ordinal);
    if (now - rec.dispatched_ms < grace) continue;  // its Assign may still be in flight
    spdlog::warn("worker {} does not report task {} (attempt {}); requeueing", w.name, job.task_name(t.ordinal),
                 rec.attempt);
    release_worker(job, t.ordinal, rec, now);
    if (rec.cancel_requested) end_task(job, t.ordinal, rec, pb::CANCELLED, now);
    else requeue(job, t.ordinal, rec, now, /*crash=*/true);
  }
}

void BrokerEngine::handle_finished(Worker* w, const pb::TaskResult& r, TimeMs now, pb::FinishedAck& ack) {
  *ack.add_tasks() = r.task();
  Job* job = find(r.task().job());
  if (!job) return;
  auto ordinal = job->array.ordinal_of(r.task().index());
  if (!ordinal) return;
  auto it = job->tasks.find(*ordinal);
  if (it == job->tasks.end()) return;
  TaskRecord& rec = it->second;
  if (rec.state != pb::RUNNING || rec.attempt != r.task().attempt() || (w && rec.worker != w->slot)) {
    spdlog::info("ignoring a stale result for task {} attempt {} (current attempt {}, {})", job->task_name(*ordinal),
                 r.task().attempt(), rec.attempt, state_name(rec.state));
    return;
  }
  finish_task(*job, *ordinal, r, now);
}

void BrokerEngine::on_unroutable(Channel ch, const std::string& peer, const pb::Envelope& msg, TimeMs now) {
  if (ch == Channel::Client) {
    on_client_gone(peer);
    return;
  }
  Worker* w = pool_.by_peer(peer);
  if (!w) return;
  if (msg.has_read_log()) fail_reads(*w);  // its connection is gone: nothing will answer
  if (msg.has_assign()) {
    // The worker's connection is gone: its tasks cannot have arrived.
    worker_lost(*w, now, "its connection is gone");
  }
}

void BrokerEngine::expire_orphans(TimeMs now) {
  if (orphans_.empty() || now < orphan_deadline_) return;
  for (auto& [name, tasks] : orphans_) {
    spdlog::warn("worker {} did not come back after the restart; requeueing {} task(s)", name, tasks.size());
    for (const TaskKey& t : tasks) {
      Job& job = jobs_.at(t.job);
      TaskRecord& rec = job.tasks.at(t.ordinal);
      if (rec.state != pb::RUNNING) continue;
      if (job.running > 0) --job.running;
      sched_.task_ended(job, rec, now);
      if (rec.cancel_requested) end_task(job, t.ordinal, rec, pb::CANCELLED, now);
      else requeue(job, t.ordinal, rec, now, /*crash=*/true);
    }
  }
  orphans_.clear();
  dirty_ = true;
}

}  // namespace baton
