// Countable resources: what a worker has and what a task needs. A task fits a
// worker when every component of its need is at most what is free there.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "baton.pb.h"

namespace baton {

struct Resources {
  std::uint32_t cpus = 0;
  std::uint64_t mem_mb = 0;
  std::uint32_t gpus = 0;
  std::map<std::string, std::uint64_t> named;

  bool fits_in(const Resources& avail) const;
  // Would this fit next to `used` within `cap`? Same as fits_in(cap - used), without copies.
  bool fits_beside(const Resources& used, const Resources& cap) const;
  Resources& operator+=(const Resources& o);
  Resources& operator-=(const Resources& o);  // REQUIRES: o fits in *this
  bool operator==(const Resources&) const = default;

  // "4 cpus, 8G mem, 1 gpu, license=2"
  std::string describe() const;

  static Resources from_proto(const pb::Resources& p);
  void to_proto(pb::Resources* p) const;
};

// A job's request: 0 cpus in the spec means 1.
Resources requested(const pb::JobSpec& spec);

// "8G", "512M", "2048" (MiB), "1T" -> MiB. Returns false on anything else.
bool parse_mem_mb(const std::string& text, std::uint64_t& out);
std::string format_mem_mb(std::uint64_t mb);

}  // namespace baton
