// The broker's side of `baton events`: answers ObsEventsRequests from the
// transitions the engine records live (kept in a ring of recent events) or,
// for a cursor older than the ring, from the journal (store/event_replay).
//
// Requests are only answered after the turn's journal commit (on_turn), and
// only with "settled" events: those recorded at a broker time before the
// current turn's. Turn times never go backwards, so no event can appear later
// with a key at or below one already handed out; with the journal holding
// every committed transition, "every event after the cursor" is exact across
// restarts (core/broker_events.h). A request with `wait` that finds nothing
// is kept until something settles or about a second passes.
//
// The engine records events only once someone has asked (capture stays on
// from then on); until then the feed costs nothing.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/broker_engine.h"
#include "core/outbox.h"
#include "store/event_replay.h"
#include "transport/broker_loop.h"

namespace baton::cli {

class EventFeed {
 public:
  explicit EventFeed(std::string journal_path) : journal_path_(std::move(journal_path)) {}

  // Takes ObsEventsRequests (true) and leaves every other message (false).
  bool handle(const std::string& peer, const pb::Envelope& msg, TimeMs now);
  // After each turn: collects the turn's events and answers what can be.
  void on_turn(BrokerEngine& engine, const wire::TurnReport& turn, Outbox& out);

  std::size_t followers() const { return parked_.size(); }

 private:
  struct Parked {
    std::string peer;
    std::uint64_t request_id = 0;
    EventKey after;
    bool wait = false;
    std::size_t limit = 0;
    TimeMs deadline = 0;
    bool bad_cursor = false;
  };
  // True when answered (the request is done).
  bool answer(Parked& p, TimeMs now, Outbox& out);

  static constexpr std::size_t kRingSize = 1 << 16;
  static constexpr std::size_t kBatch = 5000;
  static constexpr TimeMs kWaitMs = 1000;

  const std::string journal_path_;
  std::unique_ptr<EventReplay> replay_;  // opened on first use
  bool capturing_ = false;
  const BrokerEngine* engine_ = nullptr;  // to notice a rebuilt engine
  std::deque<BrokerEvent> ring_;          // committed events, in key order
  EventKey floor_{INT64_MAX, 0, EventKind::WorkerJoined, 0};  // the ring has every event with key > floor_
  TimeMs last_now_ = 0;
  std::vector<Parked> parked_;
};

}  // namespace baton::cli
