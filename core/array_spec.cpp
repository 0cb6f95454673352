#include "core/array_spec.h"

#include <algorithm>
#include <charconv>

namespace baton {

namespace {

bool parse_u32(std::string_view s, std::uint32_t& out) {
  if (s.empty()) return false;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > UINT32_MAX) return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

struct Term {
  std::uint32_t lo, hi, step;
};

Result<std::vector<Term>> parse_terms(std::string_view text) {
  std::vector<Term> terms;
  if (text.empty()) return Status::error("empty array index expression");
  for (bool more = true; more;) {
    auto comma = text.find(',');
    std::string_view t = text.substr(0, comma);
    more = comma != std::string_view::npos;
    text = more ? text.substr(comma + 1) : std::string_view();
    const std::string what = "bad array index term '" + std::string(t) + "'";
    Term term{0, 0, 1};
    auto colon = t.find(':');
    std::string_view range = t.substr(0, colon);
    if (colon != std::string_view::npos) {
      if (!parse_u32(t.substr(colon + 1), term.step) || term.step == 0)
        return Status::error(what + ": the step after ':' must be a positive integer");
    }
    auto dash = range.find('-');
    if (dash == std::string_view::npos) {
      if (!parse_u32(range, term.lo)) return Status::error(what + ": expected N, N-M or N-M:S");
      term.hi = term.lo;
    } else {
      if (!parse_u32(range.substr(0, dash), term.lo) || !parse_u32(range.substr(dash + 1), term.hi))
        return Status::error(what + ": expected N, N-M or N-M:S");
      if (term.hi < term.lo) return Status::error(what + ": the range ends before it starts");
    }
    terms.push_back(term);
  }
  return terms;
}

std::uint64_t term_count(const Term& t) { return (std::uint64_t(t.hi) - t.lo) / t.step + 1; }

// Sorted, disjoint runs from terms that may overlap. Terms that do not overlap
// are kept as written; overlapping ones are expanded and re-compressed.
std::vector<ArraySpec::Run> normalize(std::vector<Term> terms) {
  std::sort(terms.begin(), terms.end(), [](const Term& a, const Term& b) { return a.lo < b.lo; });
  bool overlap = false;
  for (std::size_t i = 1; i < terms.size(); ++i) {
    const Term& p = terms[i - 1];
    const std::uint32_t last = p.lo + p.step * static_cast<std::uint32_t>(term_count(p) - 1);
    if (terms[i].lo <= last) overlap = true;
  }
  std::vector<ArraySpec::Run> runs;
  if (!overlap) {
    for (const Term& t : terms) runs.push_back({t.lo, t.step, term_count(t)});
    return runs;
  }
  std::vector<std::uint32_t> all;
  for (const Term& t : terms)
    for (std::uint64_t v = t.lo; v <= t.hi; v += t.step) all.push_back(static_cast<std::uint32_t>(v));
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  for (std::size_t i = 0; i < all.size();) {
    ArraySpec::Run r{all[i], 1, 1};
    if (i + 1 < all.size()) {
      r.step = all[i + 1] - all[i];
      std::size_t j = i + 1;
      while (j < all.size() && all[j] - all[j - 1] == r.step) ++j;
      r.count = j - i;
      if (r.count == 1) r.step = 1;
    }
    runs.push_back(r);
    i += r.count;
  }
  return runs;
}

std::string format_run(TaskIndex lo, TaskIndex step, std::uint64_t count) {
  std::string s = std::to_string(lo);
  if (count > 1) {
    s += '-';
    s += std::to_string(lo + step * (count - 1));
    if (step != 1) {
      s += ':';
      s += std::to_string(step);
    }
  }
  return s;
}

}  // namespace

const std::vector<ArraySpec::Run> ArraySpec::kOneRun{Run{}};
const std::vector<std::uint64_t> ArraySpec::kOneStart{0};

ArraySpec::ArraySpec(std::vector<Run> runs) : runs_(std::move(runs)) {
  starts_.clear();
  total_ = 0;
  for (const Run& r : runs_) {
    starts_.push_back(total_);
    total_ += r.count;
  }
}

Result<ArraySpec::Parsed> ArraySpec::parse(std::string_view text, std::uint64_t max_size) {
  Parsed out;
  auto pct = text.find('%');
  if (pct != std::string_view::npos) {
    if (!parse_u32(text.substr(pct + 1), out.throttle) || out.throttle == 0)
      return Status::error("bad array throttle '" + std::string(text.substr(pct)) +
                           "': expected %N with N a positive integer");
    text = text.substr(0, pct);
  }
  auto terms = parse_terms(text);
  if (!terms) return terms.status();
  std::uint64_t declared = 0;
  for (const Term& t : *terms) declared += term_count(t);
  if (declared > max_size)
    return Status::error("array of " + std::to_string(declared) + " tasks exceeds the limit of " +
                         std::to_string(max_size) + " (broker.max_array_size)");
  // Overlapping terms are merged by expanding them: bound what that costs
  // (a client parses before any broker limit applies).
  constexpr std::uint64_t kMaxMerge = 1u << 24;
  if (declared > kMaxMerge && terms->size() > 1) {
    std::vector<Term> sorted = *terms;
    std::sort(sorted.begin(), sorted.end(), [](const Term& a, const Term& b) { return a.lo < b.lo; });
    for (std::size_t i = 1; i < sorted.size(); ++i) {
      const Term& p = sorted[i - 1];
      if (sorted[i].lo <= p.lo + p.step * static_cast<std::uint32_t>(term_count(p) - 1))
        return Status::error("array '" + std::string(text) + "' has overlapping ranges over " +
                             std::to_string(kMaxMerge) + " tasks; write them without overlap");
    }
  }
  out.spec = ArraySpec(normalize(std::move(*terms)));
  return out;
}

TaskIndex ArraySpec::index_at(std::uint64_t ordinal) const {
  auto it = std::upper_bound(starts().begin(), starts().end(), ordinal);
  const std::size_t r = static_cast<std::size_t>(it - starts().begin()) - 1;
  return static_cast<TaskIndex>(runs()[r].lo + runs()[r].step * (ordinal - starts()[r]));
}

std::optional<std::uint64_t> ArraySpec::ordinal_of(TaskIndex index) const {
  auto it = std::upper_bound(runs().begin(), runs().end(), index,
                             [](TaskIndex v, const Run& r) { return v < r.lo; });
  if (it == runs().begin()) return std::nullopt;
  const std::size_t r = static_cast<std::size_t>(it - runs().begin()) - 1;
  const Run& run = runs()[r];
  if (index > run.hi() || (index - run.lo) % run.step != 0) return std::nullopt;
  return starts()[r] + (index - run.lo) / run.step;
}

Result<IntervalSet> ArraySpec::ordinals_in(std::string_view expr) const {
  auto terms = parse_terms(expr);
  if (!terms) return terms.status();
  IntervalSet out;
  for (const Term& t : *terms) {
    // Indices of an arithmetic run inside [lo, hi] are contiguous in ordinals.
    IntervalSet in_range;
    for (std::size_t r = 0; r < runs().size(); ++r) {
      const Run& run = runs()[r];
      if (run.hi() < t.lo || run.lo > t.hi) continue;
      const std::uint64_t first =
          t.lo <= run.lo ? 0 : (std::uint64_t(t.lo) - run.lo + run.step - 1) / run.step;
      const std::uint64_t last = std::min<std::uint64_t>(run.count - 1, (std::uint64_t(t.hi) - run.lo) / run.step);
      if (first <= last) in_range.insert(starts()[r] + first, starts()[r] + last);
    }
    if (t.step == 1) {
      out.insert(in_range);
    } else if (in_range.size() < term_count(t)) {
      // Fewer tasks than term indices: test the tasks, so "0-4294967295:2"
      // costs what the array has, not 2^31 steps.
      for (auto [a, b] : in_range.intervals())
        for (std::uint64_t o = a; o <= b; ++o)
          if ((index_at(o) - t.lo) % t.step == 0) out.insert(o);
    } else {
      for (std::uint64_t v = t.lo; v <= t.hi; v += t.step)
        if (auto o = ordinal_of(static_cast<TaskIndex>(v))) out.insert(*o);
    }
  }
  return out;
}

std::string ArraySpec::to_string() const {
  std::string s;
  for (const Run& r : runs()) {
    if (!s.empty()) s += ',';
    s += format_run(r.lo, r.step, r.count);
  }
  return s;
}

std::string ArraySpec::format_ordinals(const IntervalSet& ordinals, std::size_t max_terms) const {
  std::string s;
  std::size_t terms = 0;
  for (auto [a, b] : ordinals.intervals()) {
    // An ordinal interval may span several runs; emit one term per run piece.
    std::uint64_t o = a;
    while (o <= b) {
      auto it = std::upper_bound(starts().begin(), starts().end(), o);
      const std::size_t r = static_cast<std::size_t>(it - starts().begin()) - 1;
      const std::uint64_t run_end = starts()[r] + runs()[r].count - 1;
      const std::uint64_t piece_end = std::min(run_end, b);
      if (terms == max_terms) return s + ",...";
      if (!s.empty()) s += ',';
      s += format_run(index_at(o), runs()[r].step, piece_end - o + 1);
      ++terms;
      o = piece_end + 1;
    }
  }
  return s;
}

}  // namespace baton
