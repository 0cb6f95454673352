// Time zones for cron entries, read from the system's zoneinfo files: the
// ZoneSource core/ asks for zone rules by name.
#pragma once

#include <map>
#include <string>

#include "core/cron_table.h"

namespace baton::cli {

class ZoneFiles final : public ZoneSource {
 public:
  explicit ZoneFiles(std::string dir = "/usr/share/zoneinfo") : dir_(std::move(dir)) {}

  // "Area/City" from the zoneinfo directory; "" is the broker's local zone:
  // $TZ (a zone name, a file, or a POSIX rule) or else /etc/localtime, and
  // UTC when neither says. Zones are read once and kept.
  Result<ZoneRules> load(const std::string& name) override;

 private:
  const std::string dir_;
  std::map<std::string, ZoneRules> cache_;
};

}  // namespace baton::cli
