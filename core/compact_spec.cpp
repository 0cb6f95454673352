#include "core/compact_spec.h"

namespace baton {

void CompactSpec::assign(const pb::JobSpec& spec) {
  std::string wire;  // a fresh string: no capacity left over from an older spec
  spec.SerializeToString(&wire);
  wire_ = std::move(wire);
  name_ = spec.name();
  user_ = spec.user();
  time_limit_s_ = spec.time_limit_s();
  retry_delay_ms_ = spec.retry_delay_ms();
  begin_ms_ = spec.begin_ms();
  priority_ = spec.priority();
  nice_ = spec.nice();
  throttle_ = spec.throttle();
  retries_ = spec.retries();
  hold_ = spec.hold();
  has_kill_on_invalid_dep_ = spec.has_kill_on_invalid_dep();
  kill_on_invalid_dep_ = spec.kill_on_invalid_dep();
}

pb::JobSpec CompactSpec::full() const {
  pb::JobSpec s;
  decode_into(&s);
  return s;
}

void CompactSpec::decode_into(pb::JobSpec* out) const {
  // The bytes came from SerializeToString of a valid message: they parse.
  out->ParseFromString(wire_);
}

}  // namespace baton
