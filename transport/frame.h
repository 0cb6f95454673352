// Wire framing: every message is the frames ["BTN1", <Envelope bytes>], after the
// ROUTER identity frame on the broker side. Anything else is rejected with a
// reason the daemon logs before dropping the message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "baton.pb.h"
#include "core/status.h"

namespace baton::wire {

inline constexpr std::string_view kSignature = "BTN1";
inline constexpr std::size_t kDefaultMaxMessage = 64u << 20;  // ZMQ_MAXMSGSIZE

std::string encode(const pb::Envelope& env);
// `sig` and `body` are the two frames after any identity.
Result<pb::Envelope> decode(std::string_view sig, std::string_view body);

// "submit", "heartbeat", ... for log lines.
const char* body_name(const pb::Envelope& env);

}  // namespace baton::wire
