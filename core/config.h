// Tunables of the broker's engine and scheduler, as plain values. cmd/ fills
// them from the TOML file, environment and flags; tests set them directly.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/clock.h"

namespace baton {

enum class OrderPolicy { Priority, Fifo, Sjf, Fairshare };
enum class PlacementPolicy { LeastLoaded, RoundRobin, Weighted, Pack };

const char* order_policy_name(OrderPolicy p);
const char* placement_policy_name(PlacementPolicy p);
bool parse_order_policy(const std::string& s, OrderPolicy& out);
bool parse_placement_policy(const std::string& s, PlacementPolicy& out);

struct SchedulerConfig {
  OrderPolicy order = OrderPolicy::Priority;
  PlacementPolicy placement = PlacementPolicy::LeastLoaded;
  bool backfill = true;
  std::uint32_t backfill_depth = 100;      // jobs a pass may look past a blocked one (bf_max_job_test)
  std::int64_t age_weight = 1;             // priority points gained per hour of waiting
  TimeMs fairshare_half_life = 7 * kDay;
  std::int64_t fairshare_default_charge_s = 300;  // provisional charge for a task without -t
  std::uint32_t user_limit = 0;            // running tasks per user, 0: none
  std::map<std::string, std::uint32_t> queue_limits;  // running tasks per queue
  // Prefetch: a full worker may be handed up to `prefetch` queued tasks per
  // cpu (counted in cpus), which it starts itself the moment a running task
  // ends, without a round trip to the broker. Only for jobs whose tasks so far
  // ran shorter than `prefetch_below_ms` on average and that need no GPUs or
  // named resources. 0 turns it off.
  std::uint32_t prefetch = 4;
  TimeMs prefetch_below_ms = 200;
};

struct BrokerConfig {
  SchedulerConfig scheduler;
  TimeMs heartbeat_ms = 1000;
  std::uint32_t liveness = 5;              // silent intervals before a worker is lost
  std::uint32_t crash_limit = 5;           // worker losses a task survives
  TimeMs reattach_grace_ms = 30000;        // after a restart, how long running tasks wait for
                                           // their worker to re-register before they are requeued
  std::uint64_t max_array_size = 1000000;
  // Per-request limits against hostile or runaway clients (0: none).
  std::uint64_t max_spec_bytes = 4u << 20;      // a job's whole spec (script, environment, ...), without:
  std::uint64_t max_entries_bytes = 32u << 20;  // its --each-line lines
  std::uint64_t max_env_bytes = 1u << 20;       // its environment
  std::uint32_t max_active_per_user = 0;        // jobs not yet finished, per user
  TimeMs min_job_age_ms = 3600000;         // finished jobs stay in memory this long (the journal
                                           // keeps them for history); 0: until the next restart
  bool kill_on_invalid_dep = false;
  std::uint32_t owner_uid = 0;             // may set -p/--priority and negative --nice (unauthenticated)
  bool private_jobs = false;               // authenticated users see only their own jobs
  TimeMs log_read_timeout_ms = 10000;      // `logs`: a worker that does not answer a read by then
                                           // gets the client an error instead
  std::string broker_id;                   // this incarnation, for logs and Pong
  bool cron_seconds = false;               // cron schedules may have a leading seconds field
};

// Who sent a client request, as the transport established it. With keys
// (CURVE), `user` and `admin` come from the key the connection proved, and
// users may change only their own jobs. Without (a personal ipc broker, or
// TCP with security.insecure), requests are trusted: the user is the name a
// submit carries, and the broker's owner or root counts as admin.
struct Requester {
  bool authenticated = false;
  std::string user;
  bool admin = false;
};

}  // namespace baton
