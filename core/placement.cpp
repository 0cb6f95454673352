#include "core/placement.h"

namespace baton {

namespace {

// Load as a fraction, compared exactly by cross-multiplying.
bool less_loaded(std::uint64_t used_a, std::uint64_t cap_a, std::uint64_t used_b, std::uint64_t cap_b) {
  return used_a * cap_b < used_b * cap_a;
}
bool same_load(std::uint64_t used_a, std::uint64_t cap_a, std::uint64_t used_b, std::uint64_t cap_b) {
  return used_a * cap_b == used_b * cap_a;
}

}  // namespace

bool Placement::better(const Worker& a, const Worker& b) const {
  switch (cfg_.placement) {
    case PlacementPolicy::LeastLoaded:
      if (!same_load(a.used.cpus, a.capacity.cpus, b.used.cpus, b.capacity.cpus))
        return less_loaded(a.used.cpus, a.capacity.cpus, b.used.cpus, b.capacity.cpus);
      if (a.capacity.cpus != b.capacity.cpus) return a.capacity.cpus > b.capacity.cpus;
      return a.slot < b.slot;
    case PlacementPolicy::Weighted:
      // tasks/weight, smaller first
      if (!same_load(a.tasks.size(), a.weight ? a.weight : 1, b.tasks.size(), b.weight ? b.weight : 1))
        return less_loaded(a.tasks.size(), a.weight ? a.weight : 1, b.tasks.size(), b.weight ? b.weight : 1);
      if (a.weight != b.weight) return a.weight > b.weight;
      return a.slot < b.slot;
    case PlacementPolicy::Pack: {
      const auto fa = a.capacity.cpus - a.used.cpus, fb = b.capacity.cpus - b.used.cpus;
      if (fa != fb) return fa < fb;
      if (a.capacity.cpus != b.capacity.cpus) return a.capacity.cpus < b.capacity.cpus;
      return a.slot < b.slot;
    }
    case PlacementPolicy::RoundRobin: {
      // Distance after the last chosen slot, wrapping around.
      const auto key = [this](WorkerSlot s) -> std::uint64_t {
        return last_ == kNoWorker ? s : (s > last_ ? s - last_ : s + (1ull << 32) - last_);
      };
      return key(a.slot) < key(b.slot);
    }
  }
  return a.slot < b.slot;
}

WorkerSlot Placement::choose(const WorkerPool& pool, const Job& job,
                             const std::function<bool(const Worker&)>& allow) {
  if (job.need.cpus > pool.largest_free_cpus()) return kNoWorker;  // fits nowhere now
  const Worker* best = nullptr;
  for (WorkerSlot s : pool.available()) {
    const Worker& w = pool.at(s);
    if (!job.need.fits_beside(w.used, w.capacity) || !pool.eligible(w, job) || !allow(w)) continue;
    if (!best || better(w, *best)) best = &w;
  }
  return best ? best->slot : kNoWorker;
}

}  // namespace baton
