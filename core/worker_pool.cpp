#include "core/worker_pool.h"

#include <algorithm>

namespace baton {

namespace {
const std::string kDefaultQueue = "default";
}

bool Worker::serves(const std::string& queue) const {
  const std::string& q = queue.empty() ? kDefaultQueue : queue;
  return std::find(queues.begin(), queues.end(), q) != queues.end();
}

bool Worker::matches(const std::vector<std::pair<std::string, std::string>>& constraints) const {
  for (const auto& [k, v] : constraints) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

const char* Worker::state_label() const {
  if (state == WorkerState::Lost) return "lost";
  if (state == WorkerState::Draining || admin_drain) return "draining";
  if (used.cpus == 0 && tasks.empty()) return "idle";
  if (used.cpus >= capacity.cpus) return "busy";
  return "mixed";
}

Worker& WorkerPool::upsert(const std::string& name, const std::string& peer, TimeMs now) {
  Worker* w = by_name(name);
  if (!w) {
    auto slot = static_cast<WorkerSlot>(slots_.size());
    slots_.push_back(std::make_unique<Worker>());
    w = slots_.back().get();
    w->slot = slot;
    w->name = name;
    by_name_[name] = slot;
    w->live_pos = live_.end();
  }
  if (!w->peer.empty() && w->peer != peer) by_peer_.erase(w->peer);
  w->specs.clear();  // a registration starts a fresh spec cache on the worker
  w->peer = peer;
  by_peer_[peer] = w->slot;
  if (w->state == WorkerState::Lost) w->state = WorkerState::Up;
  w->registered_ms = now;
  touch(*w, now);
  return *w;
}

WorkerSlot WorkerPool::intern(const std::string& name) {
  if (Worker* w = by_name(name)) return w->slot;
  auto slot = static_cast<WorkerSlot>(slots_.size());
  slots_.push_back(std::make_unique<Worker>());
  Worker& w = *slots_.back();
  w.slot = slot;
  w.name = name;
  w.live_pos = live_.end();
  by_name_[name] = slot;
  return slot;
}

Worker* WorkerPool::by_peer(const std::string& peer) {
  auto it = by_peer_.find(peer);
  return it == by_peer_.end() ? nullptr : slots_[it->second].get();
}

Worker* WorkerPool::by_name(const std::string& name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : slots_[it->second].get();
}

const std::string& WorkerPool::name_of(WorkerSlot s) const {
  static const std::string none;
  return s < slots_.size() ? slots_[s]->name : none;
}

void WorkerPool::touch(Worker& w, TimeMs now) {
  w.last_seen = now;
  if (w.state == WorkerState::Lost) return;
  if (w.live_pos != live_.end()) live_.erase(w.live_pos);
  w.live_pos = live_.insert(live_.end(), w.slot);
}

std::vector<WorkerSlot> WorkerPool::expire(TimeMs deadline) const {
  std::vector<WorkerSlot> silent;
  for (WorkerSlot s : live_) {
    if (slots_[s]->last_seen >= deadline) break;
    silent.push_back(s);
  }
  return silent;
}

void WorkerPool::mark_lost(Worker& w) {
  if (w.live_pos != live_.end()) {
    live_.erase(w.live_pos);
    w.live_pos = live_.end();
  }
  by_peer_.erase(w.peer);
  w.peer.clear();
  w.state = WorkerState::Lost;
  refresh(w);
}

std::vector<std::uint32_t> WorkerPool::allocate(Worker& w, const TaskKey& t, const Resources& need) {
  std::vector<std::uint32_t> gpus;
  for (std::uint32_t i = 0; i < need.gpus && !w.gpus_free.empty(); ++i) {
    gpus.push_back(w.gpus_free.front());
    w.gpus_free.erase(w.gpus_free.begin());
  }
  w.used += need;
  w.tasks.insert(t);
  refresh(w);
  return gpus;
}

void WorkerPool::release(Worker& w, const TaskKey& t, const Resources& need,
                         const std::vector<std::uint32_t>& gpus) {
  if (w.tasks.erase(t) == 0) return;
  w.used -= need;
  for (std::uint32_t g : gpus) {
    if (std::find(w.gpu_ids.begin(), w.gpu_ids.end(), g) == w.gpu_ids.end()) continue;
    w.gpus_free.insert(std::lower_bound(w.gpus_free.begin(), w.gpus_free.end(), g), g);
  }
  refresh(w);
}

void WorkerPool::refresh(Worker& w) {
  const bool avail = w.accepts_work() && w.used.cpus < w.capacity.cpus;
  if (avail) available_.insert(w.slot);
  else available_.erase(w.slot);
  free_cpus_ -= w.counted_free;
  if (w.counted_free > 0) {
    auto it = free_sizes_.find(w.counted_free);
    if (it != free_sizes_.end()) free_sizes_.erase(it);
  }
  w.counted_free = avail ? w.capacity.cpus - w.used.cpus : 0;
  free_cpus_ += w.counted_free;
  if (w.counted_free > 0) free_sizes_.insert(w.counted_free);
}

bool WorkerPool::eligible(const Worker& w, const Job& job) const {
  return job.need.fits_in(w.capacity) && w.serves(job.queue) && w.matches(job.extras().constraints);
}

bool WorkerPool::could_ever_fit(const Job& job) const {
  // A pass asks this for every blocked job, and most are alike: the worker
  // that fitted the last one usually fits this one too.
  if (fit_hint_ < slots_.size() && slots_[fit_hint_]->state != WorkerState::Lost && eligible(*slots_[fit_hint_], job))
    return true;
  for (const auto& w : slots_) {
    if (w->state != WorkerState::Lost && eligible(*w, job)) {
      fit_hint_ = w->slot;
      return true;
    }
  }
  return false;
}

}  // namespace baton
