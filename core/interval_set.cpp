#include "core/interval_set.h"

#include <algorithm>
#include <charconv>

namespace baton {

IntervalSet IntervalSet::range(std::uint64_t lo, std::uint64_t hi) {
  IntervalSet s;
  if (lo <= hi) s.insert(lo, hi);
  return s;
}

void IntervalSet::insert(std::uint64_t lo, std::uint64_t hi) {
  if (lo > hi) return;
  // Merge with every interval that overlaps or touches [lo, hi].
  auto it = runs_.upper_bound(lo);
  if (it != runs_.begin()) {
    auto prev = std::prev(it);
    if (prev->second != UINT64_MAX && prev->second + 1 >= lo) it = prev;
    else if (prev->second >= lo) it = prev;
  }
  while (it != runs_.end() && (hi == UINT64_MAX || it->first <= hi + 1)) {
    lo = std::min(lo, it->first);
    hi = std::max(hi, it->second);
    size_ -= it->second - it->first + 1;
    it = runs_.erase(it);
  }
  runs_.emplace(lo, hi);
  size_ += hi - lo + 1;
}

void IntervalSet::erase(std::uint64_t lo, std::uint64_t hi) {
  if (lo > hi || runs_.empty()) return;
  auto it = runs_.upper_bound(lo);
  if (it != runs_.begin() && std::prev(it)->second >= lo) it = std::prev(it);
  while (it != runs_.end() && it->first <= hi) {
    const std::uint64_t a = it->first, b = it->second;
    size_ -= b - a + 1;
    it = runs_.erase(it);
    if (a < lo) {
      runs_.emplace(a, lo - 1);
      size_ += lo - a;
    }
    if (b > hi) {
      it = runs_.emplace(hi + 1, b).first;
      size_ += b - hi;
      ++it;
    }
  }
}

void IntervalSet::insert(const IntervalSet& other) {
  for (auto [lo, hi] : other.runs_) insert(lo, hi);
}

void IntervalSet::erase(const IntervalSet& other) {
  for (auto [lo, hi] : other.runs_) erase(lo, hi);
}

bool IntervalSet::contains(std::uint64_t v) const {
  auto it = runs_.upper_bound(v);
  if (it == runs_.begin()) return false;
  return std::prev(it)->second >= v;
}

IntervalSet IntervalSet::intersect(const IntervalSet& other) const {
  IntervalSet out;
  auto a = runs_.begin();
  auto b = other.runs_.begin();
  while (a != runs_.end() && b != other.runs_.end()) {
    const std::uint64_t lo = std::max(a->first, b->first);
    const std::uint64_t hi = std::min(a->second, b->second);
    if (lo <= hi) out.insert(lo, hi);
    if (a->second < b->second) ++a;
    else ++b;
  }
  return out;
}

std::optional<std::uint64_t> IntervalSet::first() const {
  if (runs_.empty()) return std::nullopt;
  return runs_.begin()->first;
}

std::optional<std::uint64_t> IntervalSet::pop_first() {
  if (runs_.empty()) return std::nullopt;
  auto it = runs_.begin();
  const std::uint64_t v = it->first, hi = it->second;
  runs_.erase(it);
  if (hi > v) runs_.emplace(v + 1, hi);
  --size_;
  return v;
}

std::string IntervalSet::to_string() const {
  std::string out;
  for (auto [lo, hi] : runs_) {
    if (!out.empty()) out += ',';
    out += std::to_string(lo);
    if (hi != lo) {
      out += '-';
      out += std::to_string(hi);
    }
  }
  return out;
}

std::optional<IntervalSet> IntervalSet::parse(std::string_view text) {
  IntervalSet s;
  auto num = [](std::string_view t, std::uint64_t& v) {
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return ec == std::errc() && p == t.data() + t.size() && !t.empty();
  };
  if (text.empty()) return s;
  for (bool more = true; more;) {
    auto comma = text.find(',');
    std::string_view term = text.substr(0, comma);
    more = comma != std::string_view::npos;
    text = more ? text.substr(comma + 1) : std::string_view();
    std::uint64_t lo = 0, hi = 0;
    auto dash = term.find('-');
    if (dash == std::string_view::npos) {
      if (!num(term, lo)) return std::nullopt;
      hi = lo;
    } else if (!num(term.substr(0, dash), lo) || !num(term.substr(dash + 1), hi) || hi < lo) {
      return std::nullopt;
    }
    s.insert(lo, hi);
  }
  return s;
}

}  // namespace baton
