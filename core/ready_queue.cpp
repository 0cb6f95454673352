#include "core/ready_queue.h"

#include <cmath>

namespace baton {

namespace {
const std::string kOneBucket;
constexpr std::int64_t kHourMs = 3600 * 1000;
}  // namespace

ReadyQueue::ReadyQueue(const SchedulerConfig& cfg, TimeMs start) : cfg_(cfg), ref_(start) {}

const std::string& ReadyQueue::bucket_of(const Job& job) const {
  return cfg_.order == OrderPolicy::Fairshare ? job.spec.user() : kOneBucket;
}

void ReadyQueue::insert(Job& job) {
  const std::int64_t prio = std::int64_t(job.spec.priority()) - job.spec.nice();
  switch (cfg_.order) {
    case OrderPolicy::Priority:
    case OrderPolicy::Fairshare:
      job.order_a = cfg_.age_weight * job.submit_ms - prio * kHourMs;
      job.order_b = 0;
      break;
    case OrderPolicy::Fifo:
      job.order_a = job.order_b = 0;
      break;
    case OrderPolicy::Sjf:
      job.order_a = job.spec.time_limit_s() > 0 ? job.spec.time_limit_s() : INT64_MAX;
      job.order_b = -prio;
      break;
  }
  if (buckets_[bucket_of(job)].entries.insert(Entry{job.order_a, job.order_b, job.id}).second) ++size_;
}

void ReadyQueue::erase(const Job& job) {
  auto it = buckets_.find(bucket_of(job));
  if (it == buckets_.end()) return;
  if (it->second.entries.erase(Entry{job.order_a, job.order_b, job.id})) --size_;
}

std::size_t ReadyQueue::position(const Job& job) const {
  const Entry me{job.order_a, job.order_b, job.id};
  std::size_t ahead = 0;
  for (const auto& [user, b] : buckets_) {
    if (cfg_.order == OrderPolicy::Fairshare && user != job.spec.user()) {
      // Users with less usage go first; count their whole queue as ahead.
      auto mine = usage_.find(job.spec.user());
      auto theirs = usage_.find(user);
      const double m = mine == usage_.end() ? 0 : mine->second;
      const double t = theirs == usage_.end() ? 0 : theirs->second;
      if (t < m || (t == m && user < job.spec.user())) ahead += b.entries.size();
      continue;
    }
    for (const Entry& e : b.entries) {
      if (!(e < me)) break;
      ++ahead;
    }
  }
  return ahead;
}

double ReadyQueue::scale(TimeMs at) const {
  return std::exp2(double(at - ref_) / double(cfg_.fairshare_half_life));
}

void ReadyQueue::rebase(TimeMs at) {
  // Keep the scale factor small: move the reference forward, shrink usage.
  const double halvings = std::floor(double(at - ref_) / double(cfg_.fairshare_half_life));
  if (halvings < 64) return;
  const double f = std::exp2(-halvings);
  for (auto& [u, v] : usage_) v *= f;
  ref_ += static_cast<TimeMs>(halvings * double(cfg_.fairshare_half_life));
}

void ReadyQueue::charge(const std::string& user, double cpu_seconds, TimeMs at) {
  rebase(at);
  double& u = usage_[user];
  u += cpu_seconds * scale(at);
  if (u < 0) u = 0;
}

double ReadyQueue::usage(const std::string& user, TimeMs now) const {
  auto it = usage_.find(user);
  if (it == usage_.end()) return 0;
  return it->second / scale(now);
}

// ---------------------------------------------------------------- Walk

ReadyQueue::Walk::Walk(ReadyQueue& q) : q_(q) {
  for (auto& [user, b] : q_.buckets_) {
    if (b.entries.empty()) continue;
    cursors_.push_back(Cursor{user, &b.entries, b.entries.begin()});
    auto u = q_.usage_.find(user);
    heap_.push(Rank{u == q_.usage_.end() ? 0.0 : u->second, cursors_.size() - 1});
  }
}

JobId ReadyQueue::Walk::current() const { return cursors_[heap_.top().cursor].it->id; }

void ReadyQueue::Walk::settle() {
  while (!heap_.empty()) {
    const Cursor& c = cursors_[heap_.top().cursor];
    if (c.it != c.entries->end()) return;
    heap_.pop();
  }
}

void ReadyQueue::Walk::skip() {
  ++cursors_[heap_.top().cursor].it;
  settle();
}

void ReadyQueue::Walk::remove() {
  Cursor& c = cursors_[heap_.top().cursor];
  c.it = c.entries->erase(c.it);
  --q_.size_;
  settle();
}

void ReadyQueue::Walk::recharged() {
  if (heap_.empty() || q_.cfg_.order != OrderPolicy::Fairshare) return;
  Rank top = heap_.top();
  heap_.pop();
  auto u = q_.usage_.find(cursors_[top.cursor].user);
  top.usage = u == q_.usage_.end() ? 0.0 : u->second;
  heap_.push(top);
}

}  // namespace baton
