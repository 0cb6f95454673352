// The broker's security settings, resolved from [security].
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "cmd/settings.h"
#include "core/status.h"
#include "transport/security.h"

namespace baton::cli {

struct BrokerSecurity {
  std::optional<wire::CurveKeyPair> keys;       // CURVE on when set
  std::set<std::string> workers;                // authorized worker public keys
  std::map<std::string, std::string> clients;   // public key -> "user:NAME" or "admin:NAME"
  bool insecure_tcp = false;                    // TCP without keys (security.insecure)
};

// Refuses a TCP broker without keys unless security.insecure is set.
Result<BrokerSecurity> broker_security(const Settings& s);

}  // namespace baton::cli
