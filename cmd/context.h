// What every subcommand gets: the effective settings, the global flags, and
// small helpers for talking to the broker and reporting errors the same way.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "baton.pb.h"
#include "cmd/settings.h"
#include "transport/client.h"

namespace CLI {
class App;
}

namespace baton::cli {

// Exit statuses (DESIGN.md section 5).
constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;
constexpr int kUnreachable = 3;

struct Context {
  Settings settings = Settings::defaults();
  std::string config_flag;
  std::string broker_flag;
  std::vector<std::string> set_flags;
  int verbosity = 0;               // -v: 1, -q: -1
  std::vector<std::string> args;   // the raw command line (argv[1..])

  // Applies config file, environment, --set and --broker, in that order.
  Status load();
  // Prints "baton: <message>" to stderr and returns `code`.
  int fail(int code, const std::string& message) const;
  // Sends one request to the broker; prints the error and sets `code` on failure.
  bool call(pb::Envelope req, pb::Envelope& reply, int& code) const;
  // A connection to the broker; runs autostart() first.
  std::unique_ptr<wire::Client> client() const;
  // With no broker configured (client.broker at its default) and none
  // listening there, starts the personal broker and worker like `baton up`,
  // saying so in one line on stderr. Off with client.autostart = false.
  void autostart() const;
};

using Runner = std::function<int(Context&)>;

// One entry per subcommand: installs its options on `sub` and returns what runs it.
struct Command {
  const char* name;
  const char* summary;
  Runner (*install)(CLI::App& sub, Context& ctx);
};

Runner install_broker(CLI::App&, Context&);
Runner install_worker(CLI::App&, Context&);
Runner install_submit(CLI::App&, Context&);
Runner install_status(CLI::App&, Context&);
Runner install_cancel(CLI::App&, Context&);
Runner install_hold(CLI::App&, Context&);
Runner install_release(CLI::App&, Context&);
Runner install_update(CLI::App&, Context&);
Runner install_wait(CLI::App&, Context&);
Runner install_logs(CLI::App&, Context&);
Runner install_workers(CLI::App&, Context&);
Runner install_explain(CLI::App&, Context&);
Runner install_history(CLI::App&, Context&);
Runner install_config(CLI::App&, Context&);
Runner install_journal(CLI::App&, Context&);
Runner install_up(CLI::App&, Context&);
Runner install_down(CLI::App&, Context&);
Runner install_keygen(CLI::App&, Context&);
Runner install_ha(CLI::App&, Context&);

// security.key and security.broker_key as a CURVE client's settings; nullopt
// when no key is configured.
Result<std::optional<wire::ClientCurve>> client_curve(const Settings& s);

}  // namespace baton::cli
