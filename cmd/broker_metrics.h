// Prometheus metrics of a broker (`broker.metrics = "HOST:PORT"`). Built only
// when metrics are on; prometheus-cpp stays inside broker_metrics.cpp.
//
// The exposer answers scrapes from its own threads; the broker loop calls
// update() once per turn. Counters and histograms follow the engine's
// BrokerStats and the turn's timings; gauges that need a walk over jobs and
// workers are refreshed at most once a second. A scrape only reads what the
// loop last stored (each metric is updated under its own small lock), so it
// never waits for the loop, nor the loop for it.
#pragma once

#include <memory>
#include <string>

#include "baton.pb.h"
#include "core/broker_engine.h"
#include "core/status.h"
#include "transport/broker_loop.h"

namespace baton::cli {

class BrokerMetrics {
 public:
  // Serves GET /metrics on `address` (HOST:PORT). `journal_path` is measured
  // for baton_journal_bytes.
  static Result<std::unique_ptr<BrokerMetrics>> start(const std::string& address, const std::string& journal_path);
  ~BrokerMetrics();
  BrokerMetrics(const BrokerMetrics&) = delete;
  BrokerMetrics& operator=(const BrokerMetrics&) = delete;

  // A client request arrived (counted by type).
  void count_request(const pb::Envelope& msg);
  // After each turn. `waiting`: long-lived client requests open (waits, log
  // reads, event follows). `read_only`: the broker refuses changes.
  void update(const BrokerEngine& engine, const wire::TurnReport& turn, std::size_t waiting, bool read_only);

  // A replicated broker's role (leader, follower, candidate, unavailable)
  // and Raft term: baton_ha_role{role} (1 for the current role) and
  // baton_ha_term. Registered on the first call, so a single broker has none.
  void set_ha(const std::string& role, std::uint64_t term);

 private:
  struct State;
  explicit BrokerMetrics(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace baton::cli
