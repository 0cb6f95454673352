// Writes a broker journal with a large queue, for the recovery-time
// benchmark (bench/recovery.sh): the real engine submits into the real
// SQLite journal, exactly as a broker would, without sockets.
//
//   baton_make_journal FILE jobs N     N pending single-task jobs
//   baton_make_journal FILE array N    one pending N-task array
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/broker_engine.h"
#include "core/outbox.h"
#include "store/sqlite_journal.h"

using namespace baton;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s FILE jobs|array N\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1], mode = argv[2];
  const long n = std::strtol(argv[3], nullptr, 10);
  JournalOptions jo;
  jo.path = path;
  jo.sync_full = false;
  auto journal = SqliteJournal::open(jo);
  if (!journal) {
    std::fprintf(stderr, "%s\n", journal.error().c_str());
    return 1;
  }
  const TimeMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  Outbox out;
  BrokerConfig cfg;
  cfg.max_array_size = 10'000'000;
  BrokerEngine engine(cfg, **journal, out, now);
  pb::JobSpec spec;
  spec.set_user("bench");
  spec.set_uid(1000);
  spec.set_cwd("/tmp");
  spec.add_argv("/bin/true");
  for (int i = 0; i < 20; ++i) spec.add_env("VAR" + std::to_string(i) + "=some typical value of a variable");
  if (mode == "array") {
    spec.set_array("0-" + std::to_string(n - 1));
    if (auto id = engine.submit(spec, now); !id) return std::fprintf(stderr, "%s\n", id.error().c_str()), 1;
  } else if (mode == "jobs") {
    for (long i = 0; i < n; ++i) {
      spec.set_name("job" + std::to_string(i));
      if (auto id = engine.submit(spec, now); !id) return std::fprintf(stderr, "%s\n", id.error().c_str()), 1;
      if (i % 10000 == 9999)
        if (auto s = (*journal)->commit(); !s) return std::fprintf(stderr, "%s\n", s.message().c_str()), 1;
    }
  } else {
    std::fprintf(stderr, "mode must be jobs or array\n");
    return 2;
  }
  if (auto s = (*journal)->commit(); !s) return std::fprintf(stderr, "%s\n", s.message().c_str()), 1;
  return 0;
}
