#include "core/config.h"

namespace baton {

const char* order_policy_name(OrderPolicy p) {
  switch (p) {
    case OrderPolicy::Priority: return "priority";
    case OrderPolicy::Fifo: return "fifo";
    case OrderPolicy::Sjf: return "sjf";
    case OrderPolicy::Fairshare: return "fairshare";
  }
  return "priority";
}

const char* placement_policy_name(PlacementPolicy p) {
  switch (p) {
    case PlacementPolicy::LeastLoaded: return "least-loaded";
    case PlacementPolicy::RoundRobin: return "round-robin";
    case PlacementPolicy::Weighted: return "weighted";
    case PlacementPolicy::Pack: return "pack";
  }
  return "least-loaded";
}

bool parse_order_policy(const std::string& s, OrderPolicy& out) {
  for (OrderPolicy p : {OrderPolicy::Priority, OrderPolicy::Fifo, OrderPolicy::Sjf, OrderPolicy::Fairshare})
    if (s == order_policy_name(p)) return out = p, true;
  return false;
}

bool parse_placement_policy(const std::string& s, PlacementPolicy& out) {
  for (PlacementPolicy p : {PlacementPolicy::LeastLoaded, PlacementPolicy::RoundRobin,
                            PlacementPolicy::Weighted, PlacementPolicy::Pack})
    if (s == placement_policy_name(p)) return out = p, true;
  return false;
}

}  // namespace baton
