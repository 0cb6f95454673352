// BrokerEngine: `baton logs`. The client never opens the output file: it asks
// the broker for one chunk at a time, the broker asks the worker that ran the
// task (ReadLog) and relays its answer (LogChunk) to the waiting request.
// Flow control is the client's pull: each read carries at most one chunk, and
// a connection has at most one read in flight, so nothing here buffers more.
// A read ends with the chunk, with an error when the worker goes away, or with
// a timeout; the client is always answered.
#include <fmt/format.h>

#include "core/broker_engine.h"
#include "core/output_pattern.h"
#include "core/output_reader.h"

namespace baton {

namespace {

std::string gone_message(const pb::LogsReply& r, const std::string& task, bool running) {
  return fmt::format("task {} {} on worker {}, which is no longer connected; its output file {} {} on that host",
                     task, running ? "runs" : "ran", r.worker(), running ? "is" : "was", r.path());
}

}  // namespace

void BrokerEngine::handle_logs(const std::string& peer, std::uint64_t rid, const pb::LogsRequest& m, TimeMs now,
                               const Requester& who) {
  auto r = resolve(m.target());
  // The same rule as the status view: with private_jobs, others' jobs do not exist.
  if (r && hidden(who, *r->job)) r = Status::error("job " + m.target() + " belongs to another user (jobs are private here)");
  if (!r) return reply_error(peer, rid, 1, r.error());
  const Job& job = *r->job;
  if (r->whole && job.is_array)
    return reply_error(peer, rid, 2, fmt::format("job {} is an array: name one task, e.g. {}", job.id, job.task_name(0)));
  if (r->ordinals.size() != 1)
    return reply_error(peer, rid, 2, fmt::format("logs shows one task at a time; {} names {}", m.target(), r->ordinals.size()));
  for (const auto& [id, read] : reads_)
    if (read.peer == peer)
      return reply_error(peer, rid, 1, "a logs read is already in flight on this connection; send one at a time");

  const std::uint64_t ordinal = *r->ordinals.first();
  const std::string task = job.task_name(ordinal);
  pb::Envelope env;
  pb::LogsReply* out = env.mutable_logs_reply();
  auto rec = job.tasks.find(ordinal);
  if (rec == job.tasks.end() || rec->second.state == pb::PENDING) {
    if (job.extras().cancelled_pending.contains(ordinal))
      return reply_error(peer, rid, 1, "task " + task + " was cancelled before it started; it has no output");
    const Reason why = rec != job.tasks.end() && rec->second.reason != Reason::None ? rec->second.reason : job.reason;
    out->set_state(pb::PENDING);
    out->set_reason(reason_name(why));
    if (rec != job.tasks.end()) out->set_attempt(rec->second.attempt);
    return reply(peer, rid, std::move(env));
  }
  const TaskRecord& t = rec->second;
  if (t.worker == kNoWorker || t.worker >= pool_.size())
    return reply_error(peer, rid, 1, "task " + task + " never ran on a worker; it has no output");
  const Worker& w = pool_.at(t.worker);

  const TaskFiles files = task_files(job.spec.full(), {job.id, job.index_of(ordinal), job.is_array, job.spec.name(),
                                                job.spec.user(), w.host.empty() ? w.name : w.host});
  const bool own_stderr = m.want_stderr() && !files.stderr_path.empty();
  out->set_started(true);
  out->set_state(t.state);
  out->set_attempt(t.attempt);
  out->set_worker(w.name);
  out->set_path(files.absolute(own_stderr ? files.stderr_path : files.stdout_path));
  out->set_stderr_in_stdout(m.want_stderr() && !own_stderr);
  if (w.state == WorkerState::Lost || w.peer.empty())
    return reply_error(peer, rid, 1, gone_message(*out, task, t.state == pb::RUNNING));

  LogRead read;
  read.peer = peer;
  read.request_id = rid;
  read.worker = w.slot;
  read.deadline = now + cfg_.log_read_timeout_ms;
  read.job = job.id;
  read.ordinal = ordinal;
  read.reply = std::move(*out);
  const std::uint64_t id = next_read_++;
  read.request.set_read_id(id);
  read.request.set_path(read.reply.path());
  read.request.set_offset(m.offset());
  if (m.has_tail_lines()) read.request.set_tail_lines(m.tail_lines());
  read.request.set_max_bytes(kMaxLogChunk);
  read.request.set_user(job.spec.user());
  pb::Envelope ask;
  *ask.mutable_read_log() = read.request;
  send_worker(w, std::move(ask));
  reads_.emplace(id, std::move(read));
}

void BrokerEngine::handle_log_chunk(const Worker& w, const pb::LogChunk& c) {
  auto it = reads_.find(c.read_id());
  if (it == reads_.end() || it->second.worker != w.slot) return;  // answered already (timeout) or not ours
  LogRead read = std::move(it->second);
  reads_.erase(it);
  pb::Envelope env;
  pb::LogsReply* out = env.mutable_logs_reply();
  *out = std::move(read.reply);
  if (!c.error().empty()) {
    const Job* job = find(read.job);
    const std::string task = job ? job->task_name(read.ordinal) : std::to_string(read.job);
    return reply_error(read.peer, read.request_id, 1, "worker " + w.name + " (task " + task + "): " + c.error());
  }
  // The task's state now, not when asked: the worker sends a task's FINISHED
  // after the output is complete and before (or after) this chunk on the same
  // connection, so a final state here means the chunk saw all the output.
  out->set_state(pb::COMPLETED);  // a job no longer held ended long ago
  if (const Job* job = find(read.job)) {
    auto rec = job->tasks.find(read.ordinal);
    if (rec != job->tasks.end()) {
      // A newer attempt means more output may come: not final for the
      // reader, who sees the new attempt on the next request.
      out->set_state(rec->second.attempt == out->attempt() ? rec->second.state : pb::RUNNING);
    }
  }
  std::string data = c.data();
  if (data.size() > kMaxLogChunk) data.resize(kMaxLogChunk);
  out->set_data(std::move(data));
  out->set_offset(c.offset());
  out->set_size(c.size());
  reply(read.peer, read.request_id, std::move(env));
}

void BrokerEngine::fail_reads(const Worker& w) {
  for (auto it = reads_.begin(); it != reads_.end();) {
    if (it->second.worker != w.slot) {
      ++it;
      continue;
    }
    const LogRead& read = it->second;
    const Job* job = find(read.job);
    const std::string task = job ? job->task_name(read.ordinal) : std::to_string(read.job);
    reply_error(read.peer, read.request_id, 1, gone_message(read.reply, task, /*running=*/false));
    it = reads_.erase(it);
  }
}

void BrokerEngine::resend_reads(const Worker& w) {
  // Reads sent over the worker's old connection are lost with it; they are
  // idempotent, so ask again on the new one.
  for (const auto& [id, read] : reads_) {
    if (read.worker != w.slot) continue;
    pb::Envelope ask;
    *ask.mutable_read_log() = read.request;
    send_worker(w, std::move(ask));
  }
}

void BrokerEngine::expire_reads(TimeMs now) {
  while (!reads_.empty() && reads_.begin()->second.deadline <= now) {
    const LogRead& read = reads_.begin()->second;
    reply_error(read.peer, read.request_id, 1,
                fmt::format("worker {} did not answer within {} s; try again", read.reply.worker(),
                            cfg_.log_read_timeout_ms / 1000));
    reads_.erase(reads_.begin());
  }
}

}  // namespace baton
