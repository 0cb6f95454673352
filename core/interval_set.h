// A set of unsigned integers kept as disjoint closed intervals, so a million
// pending array tasks cost one entry until they start. Operations are
// O(log k) in the number of intervals k.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace baton {

class IntervalSet {
 public:
  using Map = std::map<std::uint64_t, std::uint64_t>;  // lo -> hi (inclusive)

  IntervalSet() = default;
  static IntervalSet range(std::uint64_t lo, std::uint64_t hi);

  void insert(std::uint64_t lo, std::uint64_t hi);
  void insert(std::uint64_t v) { insert(v, v); }
  void erase(std::uint64_t lo, std::uint64_t hi);
  void erase(std::uint64_t v) { erase(v, v); }
  void insert(const IntervalSet& other);
  void erase(const IntervalSet& other);
  bool contains(std::uint64_t v) const;
  IntervalSet intersect(const IntervalSet& other) const;

  bool empty() const { return runs_.empty(); }
  std::uint64_t size() const { return size_; }
  std::optional<std::uint64_t> first() const;
  std::optional<std::uint64_t> pop_first();
  const Map& intervals() const { return runs_; }
  void clear() { runs_.clear(); size_ = 0; }

  // "0-4,7,9-12"; parse accepts the same.
  std::string to_string() const;
  static std::optional<IntervalSet> parse(std::string_view text);

  bool operator==(const IntervalSet& o) const { return runs_ == o.runs_; }

 private:
  Map runs_;
  std::uint64_t size_ = 0;
};

}  // namespace baton
