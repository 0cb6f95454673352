// `baton events`, broker side (see event_feed.h).
#include "cmd/event_feed.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace baton::cli {

namespace {

// The greatest key at `time`: "after this" means "from time + 1 on".
EventKey end_of(TimeMs time) { return EventKey{time, UINT64_MAX, EventKind::JobFinished, UINT64_MAX}; }

}  // namespace

bool EventFeed::handle(const std::string& peer, const pb::Envelope& msg, TimeMs now) {
  if (!msg.has_obs_events()) return false;
  const pb::ObsEventsRequest& r = msg.obs_events();
  Parked p;
  p.peer = peer;
  p.request_id = msg.request_id();
  p.wait = r.wait();
  p.limit = r.max_events() ? std::min<std::size_t>(r.max_events(), kBatch) : kBatch;
  p.deadline = now + kWaitMs;
  if (!r.since_cursor().empty()) {
    auto k = parse_cursor(r.since_cursor());
    if (k) p.after = *k;
    else p.bad_cursor = true;  // answered with an error after the turn
  } else if (r.since_ms() > 0) {
    p.after = end_of(r.since_ms() - 1);
  }  // else: from the first event the journal holds
  if (!capturing_) {
    // Events of this turn recorded before now are not captured: the ring
    // starts after this millisecond.
    capturing_ = true;
    floor_ = end_of(now);
  }
  parked_.push_back(std::move(p));
  return true;
}

void EventFeed::on_turn(BrokerEngine& engine, const wire::TurnReport& turn, Outbox& out) {
  if (!capturing_) return;
  if (!turn.committed) engine_ = nullptr;  // read-only: the engine may be rebuilt meanwhile
  if (engine_ != &engine) {
    // A new engine (start, or rebuilt from the journal): what it recorded
    // before capture was on is only in the journal.
    ring_.clear();
    floor_ = std::max(floor_, end_of(turn.now));
    engine_ = &engine;
    engine.set_event_capture(true);
    (void)engine.take_events();
  }
  std::vector<BrokerEvent> fresh = engine.take_events();
  if (turn.committed && !fresh.empty()) {
    // Turns may share a millisecond: keep the ring in key order (a new
    // event's time is never below the ring's last, so inserts land near the end).
    for (BrokerEvent& e : fresh) {
      auto at = std::upper_bound(ring_.begin(), ring_.end(), e.key,
                                 [](const EventKey& k, const BrokerEvent& x) { return k < x.key; });
      ring_.insert(at, std::move(e));
    }
    while (ring_.size() > kRingSize) {
      floor_ = ring_.front().key;
      ring_.pop_front();
    }
  }
  last_now_ = turn.now;
  std::erase_if(parked_, [&](Parked& p) { return answer(p, turn.now, out); });
}

bool EventFeed::answer(Parked& p, TimeMs now, Outbox& out) {
  pb::Envelope env;
  env.set_request_id(p.request_id);
  if (p.bad_cursor) {
    pb::Reply* r = env.mutable_reply();
    r->set_ok(false);
    r->set_code(2);
    r->set_error("--since: not a cursor (copy the \"cursor\" of an event) or a time");
    out.send(Channel::Client, p.peer, std::move(env));
    return true;
  }
  pb::ObsEventsReply* reply = env.mutable_obs_events_reply();
  if (p.after < floor_) {
    // Older than the ring: from the journal up to the ring's floor (committed
    // and settled), then on from the ring.
    if (!replay_) {
      auto opened = EventReplay::open(journal_path_);
      if (!opened) {
        spdlog::warn("events: cannot open the journal for reading: {}", opened.error());
      } else {
        replay_ = std::move(*opened);
      }
    }
    if (!replay_) {
      pb::Reply* r = env.mutable_reply();
      r->set_ok(false);
      r->set_code(1);
      r->set_error("the broker cannot read its journal for events before " + format_cursor(floor_));
      out.send(Channel::Client, p.peer, std::move(env));
      return true;
    }
    std::vector<BrokerEvent> got;
    {
      const TimeMs before = std::min(now, floor_.time_ms == INT64_MAX ? now : floor_.time_ms + 1);
      auto read = replay_->read(p.after, before, p.limit);
      if (!read) {
        spdlog::warn("events: reading the journal: {}", read.error());
        return false;  // try again next turn (the client may time out and retry)
      }
      got = std::move(*read);
    }
    for (const BrokerEvent& e : got)
      if (!(floor_ < e.key)) e.to_proto(reply->add_events());
  }
  if (std::size_t(reply->events_size()) < p.limit) {
    const EventKey from = std::max(p.after, floor_);
    auto it = std::upper_bound(ring_.begin(), ring_.end(), from,
                               [](const EventKey& k, const BrokerEvent& e) { return k < e.key; });
    for (; it != ring_.end() && it->key.time_ms < now && std::size_t(reply->events_size()) < p.limit; ++it)
      it->to_proto(reply->add_events());
  }
  if (reply->events_size() == 0 && p.wait && now < p.deadline) return false;
  reply->set_cursor(reply->events_size() ? reply->events(reply->events_size() - 1).cursor() : format_cursor(p.after));
  out.send(Channel::Client, p.peer, std::move(env));
  return true;
}

}  // namespace baton::cli
