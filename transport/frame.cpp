#include "transport/frame.h"

namespace baton::wire {

std::string encode(const pb::Envelope& env) {
  std::string out;
  env.SerializeToString(&out);
  return out;
}

Result<pb::Envelope> decode(std::string_view sig, std::string_view body) {
  if (sig != kSignature) {
    std::string shown(sig.substr(0, 8));
    for (char& c : shown)
      if (c < 32 || c > 126) c = '?';
    return Status::error("bad protocol signature '" + shown + "' (expected BTN1)");
  }
  pb::Envelope env;
  if (!env.ParseFromArray(body.data(), static_cast<int>(body.size())))
    return Status::error("undecodable envelope of " + std::to_string(body.size()) + " bytes");
  if (env.body_case() == pb::Envelope::BODY_NOT_SET)
    return Status::error("envelope without a known message body");
  return env;
}

const char* body_name(const pb::Envelope& env) {
  const auto* field = pb::Envelope::descriptor()->FindFieldByNumber(static_cast<int>(env.body_case()));
  return field ? field->name().c_str() : "none";
}

}  // namespace baton::wire
