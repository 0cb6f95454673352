// `baton broker`: the composition root of the broker daemon. Wires the SQLite
// journal, the engine, the ZeroMQ loop and the stop signals together.
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "cmd/broker_metrics.h"
#include "cmd/context.h"
#include "cmd/event_feed.h"
#include "cmd/cron_notice.h"
#include "cmd/zone_files.h"
#include "cmd/daemon_util.h"
#include "cmd/ha_settings.h"
#include "cmd/security.h"
#include "cmd/system_clock.h"
#include "core/broker_engine.h"
#include "core/resources.h"
#include "exec/signal_set.h"
#include "ha/cluster_member.h"
#include "store/sqlite_journal.h"
#include "transport/broker_loop.h"

namespace baton::cli {

namespace {

struct BrokerFlags {
  std::string clients, workers, journal;
};

BrokerConfig broker_config(const Settings& s) {
  BrokerConfig c;
  c.heartbeat_ms = s.duration("broker.heartbeat_interval");
  c.liveness = static_cast<std::uint32_t>(s.integer("broker.liveness"));
  c.crash_limit = static_cast<std::uint32_t>(s.integer("broker.crash_limit"));
  c.reattach_grace_ms = s.duration("broker.reattach_grace");
  c.min_job_age_ms = s.duration("broker.min_job_age");
  std::uint64_t mb = 4;
  parse_mem_mb(s.str("broker.max_spec_size"), mb);
  c.max_spec_bytes = mb << 20;
  mb = 32;
  parse_mem_mb(s.str("broker.max_entries_size"), mb);
  c.max_entries_bytes = mb << 20;
  mb = 1;
  parse_mem_mb(s.str("broker.max_env_size"), mb);
  c.max_env_bytes = mb << 20;
  c.max_active_per_user = static_cast<std::uint32_t>(s.integer("broker.max_jobs_per_user"));
  c.max_array_size = static_cast<std::uint64_t>(s.integer("broker.max_array_size"));
  c.kill_on_invalid_dep = s.boolean("broker.kill_on_invalid_dep");
  c.owner_uid = getuid();
  c.cron_seconds = s.boolean("scheduler.cron_seconds");
  SchedulerConfig& sc = c.scheduler;
  parse_order_policy(s.str("scheduler.order"), sc.order);
  parse_placement_policy(s.str("scheduler.placement"), sc.placement);
  sc.backfill = s.boolean("scheduler.backfill");
  sc.backfill_depth = static_cast<std::uint32_t>(std::max<std::int64_t>(1, s.integer("scheduler.backfill_depth")));
  sc.age_weight = s.integer("scheduler.age_weight");
  sc.fairshare_half_life = std::max<TimeMs>(1000, s.duration("scheduler.fairshare_half_life"));
  sc.user_limit = static_cast<std::uint32_t>(s.integer("scheduler.user_limit"));
  sc.prefetch = static_cast<std::uint32_t>(std::clamp<std::int64_t>(s.integer("scheduler.prefetch"), 0, 64));
  sc.prefetch_below_ms = s.duration("scheduler.prefetch_below");
  for (const std::string& item : s.list("scheduler.queue_limits")) {
    auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    sc.queue_limits[item.substr(0, eq)] = static_cast<std::uint32_t>(std::stoul(item.substr(eq + 1)));
  }
  return c;
}

Status check_queue_limits(const Settings& s) {
  for (const std::string& item : s.list("scheduler.queue_limits")) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || item.find_first_not_of("0123456789", eq + 1) != std::string::npos ||
        eq + 1 == item.size())
      return Status::error("scheduler.queue_limits: expected QUEUE=N, got '" + item + "'");
  }
  return Status::ok();
}

int run_broker(Context& ctx, const BrokerFlags& f) {
  Settings& s = ctx.settings;
  if (!f.clients.empty()) if (auto st = s.set("broker.clients", f.clients, "--clients"); !st) return ctx.fail(kUsage, st.message());
  if (!f.workers.empty()) if (auto st = s.set("broker.workers", f.workers, "--workers"); !st) return ctx.fail(kUsage, st.message());
  if (!f.journal.empty()) if (auto st = s.set("journal.path", f.journal, "--journal"); !st) return ctx.fail(kUsage, st.message());
  if (auto st = check_queue_limits(s); !st) return ctx.fail(kUsage, st.message());

  auto security = broker_security(s);
  if (!security) return ctx.fail(kRefused, security.error());
  // The journal, its WAL and the ipc sockets are the broker's alone.
  umask(077);

  // Signals first: every thread created later (ZeroMQ's) inherits the mask.
  auto signals = SignalSet::create(SignalSet::shutdown_signals());
  if (!signals) return ctx.fail(kRefused, signals.error());
  setup_logging(ctx.verbosity > 0 ? "debug" : s.str("log.level"), "broker");

  const std::string path = s.str("journal.path");
  if (auto st = make_parent_dirs(path); !st) return ctx.fail(kRefused, st.message());
  if (auto st = lock_file(path + ".lock"); !st)
    return ctx.fail(kRefused, "journal " + path + " is in use by another broker: " + st.message());
  JournalOptions jo;
  jo.path = path;
  jo.sync_full = s.str("journal.sync") == "full";
  // One broker owns its journal; a replicated one shares it through Raft
  // (cluster_member.h): the engine then writes into a batch, and reads
  // (rebuild, history) go to the local copy.
  std::unique_ptr<SqliteJournal> single;
  std::unique_ptr<ha::ClusterMember> member;
  if (s.integer("ha.node_id") != 0) {
    auto opts = member_options(s, jo);
    if (!opts) return ctx.fail(kUsage, opts.error());
    // libuv writes to peers' sockets with plain write(): a peer that died
    // must cost an EPIPE, not this broker.
    std::signal(SIGPIPE, SIG_IGN);
    auto m = ha::ClusterMember::open(*opts);
    if (!m) return ctx.fail(kRefused, m.error());
    member = std::move(*m);
  } else {
    auto journal = SqliteJournal::open(jo);
    if (!journal) return ctx.fail(kRefused, journal.error());
    single = std::move(*journal);
  }
  auto local = [&]() -> SqliteJournal& { return member ? member->journal() : *single; };
  Journal& sink = member ? static_cast<Journal&>(member->batch()) : *single;
  SystemClock clock;
  Outbox outbox;
  // The engine is built from the journal's committed state at start, and
  // again by the loop after a failed commit (or, replicated, each time this
  // broker becomes the leader).
  BrokerConfig config = broker_config(s);
  config.private_jobs = s.boolean("security.private_jobs");
  ZoneFiles zones;
  ShellCronNotifier notices;
  auto rebuild = [&local, &sink, &outbox, &config, &zones, &notices](TimeMs now) -> Result<std::unique_ptr<BrokerEngine>> {
    auto state = local().load();
    if (!state) return state.status();
    BrokerConfig c = config;
    c.broker_id = random_id();  // a new incarnation: clients re-send their waits
    auto engine = std::make_unique<BrokerEngine>(std::move(c), sink, outbox, now);
    engine->set_cron_seams(&zones, &notices);
    engine->restore(std::move(*state), now);
    return engine;
  };
  std::unique_ptr<BrokerEngine> first;
  if (!member) {
    auto engine = rebuild(clock.now());
    if (!engine) return ctx.fail(kRefused, engine.error());
    first = std::move(*engine);
  }

  std::uint64_t max_mb = 64;
  parse_mem_mb(s.str("broker.max_message_size"), max_mb);
  zmq::context_t zctx(1);
  wire::BrokerLoopOptions opts;
  opts.clients = s.str("broker.clients");
  opts.workers = s.str("broker.workers");
  opts.max_message = static_cast<std::size_t>(max_mb) << 20;
  // Retention: each turn's group carries a small batch of purges while old
  // rows remain, then the next look is a minute later.
  const TimeMs retention = s.duration("journal.retention");
  TimeMs next_purge = 0;
  auto commit = [&, retention] {
    const TimeMs now = clock.now();
    if (retention > 0 && now >= next_purge) {
      constexpr std::size_t kBatch = 1000;
      if (member) {
        // Every member purges the same rows: the cutoff travels in the log.
        member->batch().record_purge(now - retention, kBatch);
        next_purge = now + 60000;
      } else {
        auto purged = single->purge(now - retention, kBatch);
        if (purged && *purged > 0) spdlog::debug("retention: {} old journal rows purged", *purged);
        next_purge = purged && *purged == kBatch ? now : now + 60000;
      }
    }
    return member ? member->commit() : single->commit();
  };
  auto abandon = [&] { member ? member->batch().clear() : single->abandon(); };
  auto probe = [&] { return member ? Status::ok() : single->probe(); };
  wire::JournalHooks hooks{commit, abandon, probe, rebuild};
  // Monitoring: the event feed always (it costs nothing until asked), metrics
  // when broker.metrics names an address.
  EventFeed feed(path);
  std::unique_ptr<BrokerMetrics> metrics;
  if (const std::string addr = s.str("broker.metrics"); !addr.empty()) {
    auto m = BrokerMetrics::start(addr, path);
    if (!m) return ctx.fail(kRefused, m.error());
    metrics = std::move(*m);
    spdlog::info("metrics on http://{}/metrics", addr);
  }
  wire::BrokerLoop loop(
      zctx, opts, std::move(first), outbox, clock, std::move(hooks),
      [&local, &config, &feed, &metrics, &clock](const std::string& peer, const pb::Envelope& msg,
                                                 const Requester& who, Outbox& out) {
        if (metrics) metrics->count_request(msg);
        if (feed.handle(peer, msg, clock.now())) return true;
        if (!msg.has_history()) return false;
        pb::Envelope env;
        env.set_request_id(msg.request_id());
        pb::HistoryRequest filter = msg.history();
        if (config.private_jobs && who.authenticated && !who.admin) filter.set_user(who.user);
        auto rows = local().history(filter);
        if (!rows) {
          env.mutable_reply()->set_ok(false);
          env.mutable_reply()->set_code(1);
          env.mutable_reply()->set_error("history: " + rows.error());
        } else {
          for (auto& r : *rows) *env.mutable_status_reply()->add_jobs() = std::move(r);
          env.mutable_status_reply();
        }
        out.send(Channel::Client, peer, std::move(env));
        return true;
      });
  if (member) {
    loop.replicate(*member);
    if (metrics)
      member->on_poll([&metrics](const ha::RaftNode& node) {
        metrics->set_ha(node.describe().state(), node.term());
      });
  }
  if (security->keys) {
    BrokerSecurity& sec = *security;
    auto decide = [&sec](const std::string& domain, const std::string& key) -> std::optional<std::string> {
      if (domain == "workers") {
        if (sec.workers.count(key)) return std::string("worker");
      } else if (auto c = sec.clients.find(key); c != sec.clients.end()) {
        return c->second;
      }
      return std::nullopt;
    };
    if (auto st = loop.secure(sec.keys->secret_z85, decide); !st) return ctx.fail(kRefused, st.message());
    spdlog::info("CURVE on: public key {}, {} worker key(s) and {} client key(s) authorized", sec.keys->public_z85,
                 sec.workers.size(), sec.clients.size());
    if (sec.workers.empty()) spdlog::warn("security.authorized_workers is empty: no worker can connect");
  } else if (security->insecure_tcp) {
    spdlog::warn("security.insecure: listening on TCP without keys; anyone who can reach {} or {} can run "
                 "programs on every worker",
                 s.str("broker.clients"), s.str("broker.workers"));
  }
  loop.on_turn([&feed, &metrics](BrokerEngine& eng, const wire::TurnReport& turn, Outbox& out) {
    feed.on_turn(eng, turn, out);
    if (metrics) metrics->update(eng, turn, feed.followers(), !turn.committed);
  });
  if (auto st = loop.bind(); !st) return ctx.fail(kRefused, st.message());
  if (member)
    spdlog::info("broker node {} up: clients {}, workers {}, journal {}, raft {}; serving while it leads",
                 member->node().id(), loop.clients_endpoint(), loop.workers_endpoint(), path,
                 s.str("ha.raft_dir").empty() ? path + ".raft" : s.str("ha.raft_dir"));
  else
    spdlog::info("broker {} up: clients {}, workers {}, journal {} ({} jobs, next id {})",
                 loop.engine().config().broker_id, loop.clients_endpoint(), loop.workers_endpoint(), path,
                 loop.engine().jobs().size(), loop.engine().next_job_id());
  // A personal broker's sockets live in the runtime directory, which logout
  // (systemd-logind) or a test harness removes. Then no client can reach it,
  // and a new `baton up` would find the journal locked: stop, releasing it.
  // (Re-creating the sockets would leave a broker without its pid file,
  // start lock and log, unknown to `baton down`, in a directory that may not
  // be creatable at all once $XDG_RUNTIME_DIR itself is gone.) The queue
  // stays in the journal; the next client command starts a broker again.
  std::vector<PathWatch> sockets;
  for (const std::string& ep : {loop.clients_endpoint(), loop.workers_endpoint()})
    if (PathWatch w(ipc_path(ep)); w.watching()) sockets.push_back(std::move(w));
  if (!sockets.empty())
    loop.watch(
        [&sockets] {
          for (const PathWatch& w : sockets)
            if (!w.unchanged()) {
              spdlog::warn("socket {} was removed (its runtime directory is gone?): no client can reach this "
                           "broker; shutting down",
                           w.path());
              return false;
            }
          return true;
        },
        500);
  SignalSet& sigs = **signals;
  const int rc = loop.run(sigs.fd(), [&sigs] {
    while (auto sig = sigs.take()) spdlog::info("signal {} received; shutting down", *sig);
    return true;
  });
  if (single)
    if (auto st = single->commit(); !st) spdlog::error("final journal commit failed: {}", st.message());
  return rc;
}

}  // namespace

Runner install_broker(CLI::App& sub, Context&) {
  auto f = std::make_shared<BrokerFlags>();
  sub.add_option("--clients", f->clients, "Endpoint for clients (broker.clients), e.g. tcp://*:7420");
  sub.add_option("--workers", f->workers, "Endpoint for workers (broker.workers), e.g. tcp://*:7421");
  sub.add_option("--journal", f->journal, "SQLite journal file (journal.path)");
  sub.footer("Runs in the foreground until SIGTERM or SIGINT. Other settings: --set broker.KEY=VALUE,\n"
             "--set scheduler.KEY=VALUE, or the [broker]/[scheduler]/[journal] sections of the config file.");
  return [f](Context& ctx) { return run_broker(ctx, *f); };
}

}  // namespace baton::cli
