// Messages an engine wants sent. Engines append; the daemon loop sends them all
// after the turn's journal group has committed. Tests read them back.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "baton.pb.h"

namespace baton {

enum class Channel { Worker, Client };

struct Outgoing {
  Channel channel;
  std::string peer;  // routing id on the broker; empty on a worker (its one broker)
  pb::Envelope message;
};

class Outbox {
 public:
  void send(Channel ch, std::string peer, pb::Envelope msg) {
    items_.push_back(Outgoing{ch, std::move(peer), std::move(msg)});
  }
  std::vector<Outgoing> take() { return std::exchange(items_, {}); }
  const std::vector<Outgoing>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  template <class Pred>
  void erase_if(Pred pred) { std::erase_if(items_, pred); }
  void clear() { items_.clear(); }

 private:
  std::vector<Outgoing> items_;
};

}  // namespace baton
