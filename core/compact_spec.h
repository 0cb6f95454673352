// A job's spec as the broker keeps it in memory: the whole spec in its wire
// form (what the journal stores and an Assign carries), plus, decoded, the
// few fields the broker reads while scheduling and listing.
//
// Why: a pb::JobSpec costs about 850 bytes for the smallest job (360 inline
// and one heap block per set string or list), most of a pending job's memory
// (Job, in job.h). This is 144 bytes inline plus the encoded bytes (about
// 100 for a one-word command with one environment variable).
//
// The getters are named as pb::JobSpec's, so code reads `job.spec.user()`
// either way. Anything else needs full(), which decodes a copy (dispatch,
// logs, update). Changes go through assign() or edit(), which re-encode.
#pragma once

#include <cstdint>
#include <string>

#include "baton.pb.h"

namespace baton {

class CompactSpec {
 public:
  CompactSpec() = default;
  explicit CompactSpec(const pb::JobSpec& spec) { assign(spec); }

  void assign(const pb::JobSpec& spec);
  // Applies `change` to the whole spec, then keeps the result.
  template <class Change>
  void edit(Change&& change) {
    pb::JobSpec s = full();
    change(s);
    assign(s);
  }

  pb::JobSpec full() const;
  // Decodes the whole spec into `out` (e.g. an Assign's, without a copy).
  void decode_into(pb::JobSpec* out) const;
  // The wire form; as pb::JobSpec's, so that it always succeeds.
  const std::string& wire() const { return wire_; }
  bool SerializeToString(std::string* out) const {
    *out = wire_;
    return true;
  }

  const std::string& name() const { return name_; }
  const std::string& user() const { return user_; }
  std::int64_t time_limit_s() const { return time_limit_s_; }
  std::int64_t retry_delay_ms() const { return retry_delay_ms_; }
  std::int64_t begin_ms() const { return begin_ms_; }
  std::int32_t priority() const { return priority_; }
  std::int32_t nice() const { return nice_; }
  std::uint32_t throttle() const { return throttle_; }
  std::uint32_t retries() const { return retries_; }
  bool hold() const { return hold_; }
  bool has_kill_on_invalid_dep() const { return has_kill_on_invalid_dep_; }
  bool kill_on_invalid_dep() const { return kill_on_invalid_dep_; }

 private:
  std::string wire_;
  std::string name_, user_;  // not the array expression: Job::array has it
  std::int64_t time_limit_s_ = 0, retry_delay_ms_ = 0, begin_ms_ = 0;
  std::int32_t priority_ = 0, nice_ = 0;
  std::uint32_t throttle_ = 0, retries_ = 0;
  bool hold_ = false;
  bool has_kill_on_invalid_dep_ = false, kill_on_invalid_dep_ = false;
};

}  // namespace baton
