#include "core/limits.h"

namespace baton {

std::uint32_t Limits::cap(const std::string& key, const Job& job) const {
  if (key.rfind("job:", 0) == 0) return job.spec.throttle();
  if (key.rfind("user:", 0) == 0) return cfg_.user_limit;
  auto it = cfg_.queue_limits.find(job.queue);
  return it == cfg_.queue_limits.end() ? 0 : it->second;
}

std::uint32_t Limits::running(const std::string& key) const {
  auto it = running_.find(key);
  return it == running_.end() ? 0 : it->second;
}

std::optional<std::pair<std::string, Reason>> Limits::blocked(const Job& job) const {
  // Called for every job a pass looks at: build a key only when its cap is set.
  auto at_cap = [&](std::uint32_t c, std::string key, Reason reason) -> std::optional<std::pair<std::string, Reason>> {
    if (running(key) >= c) return std::make_pair(std::move(key), reason);
    return std::nullopt;
  };
  if (job.spec.throttle() > 0)
    if (auto b = at_cap(job.spec.throttle(), job_key(job), Reason::Throttle)) return b;
  if (cfg_.user_limit > 0)
    if (auto b = at_cap(cfg_.user_limit, user_key(job), Reason::UserLimit)) return b;
  if (!cfg_.queue_limits.empty()) {
    auto q = cfg_.queue_limits.find(job.queue);
    if (q != cfg_.queue_limits.end() && q->second > 0)
      if (auto b = at_cap(q->second, queue_key(job), Reason::QueueLimit)) return b;
  }
  return std::nullopt;
}

void Limits::started(const Job& job) {
  ++running_[job_key(job)];
  ++running_[user_key(job)];
  ++running_[queue_key(job)];
}

std::vector<JobId> Limits::release(const std::string& key, std::uint32_t c) {
  std::vector<JobId> back;
  auto w = waiting_.find(key);
  if (w == waiting_.end()) return back;
  const std::uint32_t run = running(key);
  std::uint32_t room = c == 0 ? UINT32_MAX : (run < c ? c - run : 0);
  while (room > 0 && !w->second.empty()) {
    back.push_back(w->second.begin()->id);
    w->second.erase(w->second.begin());
    --room;
  }
  if (w->second.empty()) waiting_.erase(w);
  return back;
}

std::vector<JobId> Limits::ended(const Job& job) {
  std::vector<JobId> back;
  for (const std::string& key : {job_key(job), user_key(job), queue_key(job)}) {
    auto it = running_.find(key);
    if (it != running_.end() && it->second > 0 && --it->second == 0) running_.erase(it);
    auto more = release(key, cap(key, job));
    back.insert(back.end(), more.begin(), more.end());
  }
  return back;
}

std::vector<JobId> Limits::reopen(const std::string& key) {
  auto w = waiting_.find(key);
  if (w == waiting_.end()) return {};
  std::vector<JobId> back;
  for (const auto& e : w->second) back.push_back(e.id);
  waiting_.erase(w);
  return back;  // the caller re-gates them; those still capped come back here
}

void Limits::wait(const Job& job, const std::string& key) {
  waiting_[key].insert(ReadyQueue::Entry{job.order_a, job.order_b, job.id});
}

void Limits::unwait(const Job& job) {
  auto w = waiting_.find(job.extras().limit_key);
  if (w == waiting_.end()) return;
  w->second.erase(ReadyQueue::Entry{job.order_a, job.order_b, job.id});
  if (w->second.empty()) waiting_.erase(w);
}

}  // namespace baton
