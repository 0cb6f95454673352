#include "cmd/settings.h"
#include "transport/client.h"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>

#include "core/config.h"
#include "core/resources.h"
#include "core/timefmt.h"
#include "transport/endpoint.h"

namespace baton::cli {

namespace {

std::string home() {
  const char* h = std::getenv("HOME");
  return h && *h ? h : "/tmp";
}

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  std::string h = buf;
  return h.substr(0, h.find('.'));
}

// Items are separated by commas. Within an item, blanks at the ends and next
// to '=' go ("gpu = 4" is "gpu=4"); other runs of blanks become one space
// ("alice KEY admin" keeps its words).
std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool blank = false;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
    blank = false;
  };
  for (char c : s) {
    if (c == ',') {
      flush();
    } else if (c == ' ' || c == '\t') {
      blank = !cur.empty();
    } else {
      if (blank && c != '=' && cur.back() != '=') cur += ' ';
      blank = false;
      cur += c;
    }
  }
  flush();
  return out;
}

}  // namespace

std::string default_journal_path() {
  const char* xdg = std::getenv("XDG_STATE_HOME");
  const std::string path = (xdg && *xdg ? std::string(xdg) : home() + "/.local/state") + "/baton/journal.db";
  // Journals made before the default moved from XDG_DATA_HOME stay in use.
  const char* data = std::getenv("XDG_DATA_HOME");
  const std::string old = (data && *data ? std::string(data) : home() + "/.local/share") + "/baton/journal.db";
  return !std::filesystem::exists(path) && std::filesystem::exists(old) ? old : path;
}

std::string find_config_file() {
  if (const char* c = std::getenv("BATON_CONFIG"); c && *c) return c;
  const std::string user = home() + "/.config/baton/baton.toml";
  if (std::filesystem::exists(user)) return user;
  if (std::filesystem::exists("/etc/baton/baton.toml")) return "/etc/baton/baton.toml";
  return {};
}

void Settings::add(std::string key, Kind kind, std::string value, std::string env, std::string help,
                   std::vector<std::string> choices) {
  Setting s{key, kind, std::move(value), std::move(env), "default", std::move(help), std::move(choices)};
  items_.emplace(std::move(key), std::move(s));
}

Settings Settings::defaults() {
  Settings s;
  const std::string clients = wire::default_client_endpoint();
  const std::string workers = wire::default_worker_endpoint();
  // [client]
  s.add("client.broker", Kind::Endpoint, wire::connectable(clients), "BATON_BROKER", "broker endpoint clients connect to");
  s.add("client.timeout", Kind::Duration, "5s", "BATON_TIMEOUT", "how long a command waits for the broker before exit 3");
  s.add("client.autostart", Kind::Bool, "true", "BATON_AUTOSTART",
        "with no broker configured and none running, client commands start `baton up` first");
  // [broker]
  s.add("broker.clients", Kind::Endpoint, clients, "", "where the broker listens for clients");
  s.add("broker.workers", Kind::Endpoint, workers, "", "where the broker listens for workers");
  s.add("broker.heartbeat_interval", Kind::Duration, "1s", "", "heartbeat period to workers");
  s.add("broker.liveness", Kind::Int, "5", "", "silent heartbeat periods before a worker counts as lost");
  s.add("broker.crash_limit", Kind::Int, "5", "", "worker losses a task survives before it fails with WorkerLost");
  s.add("broker.reattach_grace", Kind::Duration, "30s", "",
        "after a restart, how long tasks wait for their worker to re-register before they are requeued");
  s.add("broker.min_job_age", Kind::Duration, "1h", "",
        "how long finished jobs stay in broker memory (status -a); history reads them from the journal");
  s.add("broker.max_array_size", Kind::Int, "1000000", "", "largest job array accepted");
  s.add("broker.max_spec_size", Kind::Size, "4M", "", "largest job accepted: script, environment and options together");
  s.add("broker.max_entries_size", Kind::Size, "32M", "", "largest submit --each-line file accepted (all its lines)");
  s.add("broker.max_env_size", Kind::Size, "1M", "", "largest job environment accepted");
  s.add("broker.max_jobs_per_user", Kind::Int, "200000", "", "unfinished jobs a user may have, 0 = no cap (arrays count once)");
  s.add("broker.kill_on_invalid_dep", Kind::Bool, "false", "", "cancel jobs whose dependency can never be satisfied");
  s.add("broker.max_message_size", Kind::Size, "64M", "", "largest message accepted (ZMQ_MAXMSGSIZE)");
  s.add("broker.metrics", Kind::String, "", "", "HOST:PORT to serve Prometheus metrics on (GET /metrics); empty = off");
  // [journal]
  s.add("journal.path", Kind::String, default_journal_path(), "BATON_JOURNAL", "the broker's SQLite journal");
  s.add("journal.retention", Kind::Duration, "30d", "",
        "finished jobs and events older than this are purged from the journal, in small batches (0: keep all)");
  s.add("journal.sync", Kind::Choice, "full", "", "fsync policy: full survives power loss, normal a crash", {"full", "normal"});
  // [worker]
  s.add("worker.broker", Kind::Endpoint, wire::connectable(workers), "BATON_WORKER_BROKER", "broker endpoint workers connect to");
  s.add("worker.name", Kind::String, hostname(), "", "worker name (unique per broker)");
  s.add("worker.cpus", Kind::Int, "0", "", "cpus to offer, 0 = all in the affinity mask");
  s.add("worker.mem", Kind::String, "", "", "memory to offer (8G, 512M); empty = detected");
  s.add("worker.gpus", Kind::List, "auto", "", "GPU ids to offer (0,1), 'auto' = detected, 'none'");
  s.add("worker.resources", Kind::List, "", "", "named resources, NAME=N (license=4)");
  s.add("worker.labels", Kind::List, "", "", "labels, KEY=VALUE (rack=a)");
  s.add("worker.queues", Kind::List, "default", "", "queues this worker serves");
  s.add("worker.weight", Kind::Int, "1", "", "weight for placement = weighted");
  s.add("worker.heartbeat_interval", Kind::Duration, "1s", "", "heartbeat period to the broker");
  s.add("worker.liveness", Kind::Int, "5", "", "silent heartbeat periods before the broker counts as lost");
  s.add("worker.kill_grace", Kind::Duration, "10s", "", "SIGTERM to SIGKILL delay for cancel and time limits");
  s.add("worker.metrics", Kind::String, "", "", "HOST:PORT to serve the worker's Prometheus metrics on; empty = off");
  s.add("worker.report_batch", Kind::Duration, "5ms", "",
        "while a queued task waits behind the running ones, how long results may wait to go out together (0: at once)");
  s.add("worker.drain_timeout", Kind::Duration, "30s", "", "on SIGTERM, how long running tasks may finish before they are handed back");
  s.add("worker.spool", Kind::String, "", "", "directory for script snapshots; empty = runtime dir");
  s.add("worker.cgroup", Kind::String, "off", "",
        "a cgroup per task: auto (under the worker's own cgroup), off, or a cgroup path like /baton/node1");
  s.add("worker.mem_limit", Kind::Choice, "enforce", "", "with cgroups: --mem is a hard limit (enforce) or not (none)",
        {"enforce", "none"});
  s.add("worker.cpu_limit", Kind::Choice, "weight", "", "with cgroups: -c N as a cpu weight, a quota of N cpus, or none",
        {"none", "weight", "quota"});
  s.add("worker.run_as_submitter", Kind::Bool, "false", "",
        "run each task as the user who submitted its job (the worker must run as root)");
  s.add("worker.allow_root_jobs", Kind::Bool, "false", "",
        "with run_as_submitter, let jobs submitted by root run as root (else they fail to launch)");
  // [ha]
  s.add("ha.node_id", Kind::Int, "0", "", "this broker's id among ha.peers; 0 = a single broker (no replication)");
  s.add("ha.peers", Kind::List, "", "", "every broker of the cluster, ID@HOST:PORT of its Raft port (1@10.0.0.1:7430)");
  s.add("ha.raft_dir", Kind::String, "", "", "the Raft log and snapshots; empty = JOURNAL.raft beside journal.path");
  s.add("ha.election_timeout", Kind::Duration, "300ms", "", "silence from the leader before a new election");
  s.add("ha.heartbeat", Kind::Duration, "50ms", "", "the leader's heartbeat period to the other brokers");
  s.add("ha.snapshot_entries", Kind::Int, "16384", "", "log entries between snapshots of the journal");
  // [scheduler]
  s.add("scheduler.order", Kind::Choice, "priority", "", "job order policy", {"priority", "fifo", "sjf", "fairshare"});
  s.add("scheduler.placement", Kind::Choice, "least-loaded", "", "worker choice policy",
        {"least-loaded", "round-robin", "weighted", "pack"});
  s.add("scheduler.backfill", Kind::Bool, "true", "", "EASY backfill around a blocked job");
  s.add("scheduler.backfill_depth", Kind::Int, "100", "", "blocked jobs a pass looks past");
  s.add("scheduler.age_weight", Kind::Int, "1", "", "priority points per hour of waiting");
  s.add("scheduler.fairshare_half_life", Kind::Duration, "7d", "", "usage half-life for fairshare");
  s.add("scheduler.user_limit", Kind::Int, "0", "", "running tasks per user, 0 = no cap");
  s.add("scheduler.queue_limits", Kind::List, "", "", "running tasks per queue, QUEUE=N");
  s.add("scheduler.prefetch", Kind::Int, "4", "",
        "queued tasks a full worker may hold per cpu, started there without a round trip; 0 = off");
  s.add("scheduler.prefetch_below", Kind::Duration, "200ms", "",
        "prefetch only for jobs whose tasks have run shorter than this on average");
  s.add("scheduler.cron_seconds", Kind::Bool, "false", "",
        "cron schedules may have a sixth, leading field of seconds (for tests and demos)");
  // [security]
  s.add("security.key", Kind::String, "", "BATON_KEY",
        "this process's secret CURVE key file (from baton keygen); on a broker it turns on encryption and authentication");
  s.add("security.broker_key", Kind::String, "", "BATON_BROKER_KEY",
        "the broker's public key (40 Z85 characters, or a file holding it), for workers and clients");
  s.add("security.authorized_workers", Kind::List, "", "", "public keys (or key files) of workers the broker accepts");
  s.add("security.authorized_clients", Kind::List, "", "",
        "clients the broker accepts: 'USER KEY' or 'USER KEY admin' (KEY: public key or key file)");
  s.add("security.insecure", Kind::Bool, "false", "",
        "let a broker without keys listen on TCP (anyone who reaches it may run jobs)");
  s.add("security.private_jobs", Kind::Bool, "false", "", "with keys, users see only their own jobs in status and history");
  // [log]
  s.add("log.level", Kind::Choice, "info", "BATON_LOG", "daemon log level", {"trace", "debug", "info", "warn", "error", "off"});
  return s;
}

Result<std::string> Settings::validate(const Setting& s, const std::string& value) const {
  auto bad = [&](const std::string& why) -> Result<std::string> { return Status::error(why); };
  switch (s.kind) {
    case Kind::String: return value;
    case Kind::Int: {
      std::int64_t n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || p != value.data() + value.size() || n < 0)
        return bad("expected a non-negative integer, got '" + value + "'");
      return value;
    }
    case Kind::Bool:
      if (value == "true" || value == "yes" || value == "1" || value == "on") return std::string("true");
      if (value == "false" || value == "no" || value == "0" || value == "off") return std::string("false");
      return bad("expected true or false, got '" + value + "'");
    case Kind::Duration: {
      auto d = parse_duration(value);
      if (!d) return bad(d.error());
      return value;
    }
    case Kind::Size: {
      std::uint64_t mb = 0;
      if (!parse_mem_mb(value, mb)) return bad("expected a size like 64M or 1G, got '" + value + "'");
      return value;
    }
    case Kind::Endpoint:
      // Clients and workers may list several brokers of a replicated cluster.
      for (const std::string& ep : wire::Client::split_endpoints(value))
        if (auto st = wire::check_endpoint(ep); !st) return bad(st.message());
      return value;
    case Kind::Choice:
      for (const auto& c : s.choices)
        if (c == value) return value;
      {
        std::string all;
        for (const auto& c : s.choices) all += (all.empty() ? "" : ", ") + c;
        return bad("expected one of " + all + ", got '" + value + "'");
      }
    case Kind::List: {
      std::string joined;
      for (const auto& item : split_list(value)) joined += (joined.empty() ? "" : ",") + item;
      return joined;
    }
  }
  return value;
}

Status Settings::set(const std::string& key, const std::string& value, const std::string& what) {
  auto it = items_.find(key);
  if (it == items_.end()) return Status::error(what + ": unknown setting '" + key + "'");
  auto v = validate(it->second, value);
  if (!v) return Status::error(what + ": " + key + ": " + v.error());
  it->second.value = *v;
  it->second.source = what;
  return Status::ok();
}

Status Settings::set_assignment(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos) return Status::error("--set " + text + ": expected SECTION.KEY=VALUE");
  return set(text.substr(0, eq), text.substr(eq + 1), "--set");
}

Status Settings::load_env() {
  for (auto& [key, s] : items_) {
    if (s.env.empty()) continue;
    const char* v = std::getenv(s.env.c_str());
    if (!v || !*v) continue;
    if (auto st = set(key, v, "$" + s.env); !st) return st;
  }
  return Status::ok();
}

const std::string& Settings::str(const std::string& key) const { return items_.at(key).value; }

std::int64_t Settings::integer(const std::string& key) const { return std::stoll(items_.at(key).value); }

bool Settings::boolean(const std::string& key) const { return items_.at(key).value == "true"; }

TimeMs Settings::duration(const std::string& key) const { return *parse_duration(items_.at(key).value); }

std::vector<std::string> Settings::list(const std::string& key) const { return split_list(items_.at(key).value); }

}  // namespace baton::cli
