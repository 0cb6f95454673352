// Fuzzes the parsers of values users type: the first byte picks the parser,
// the rest is the text. Each parser that accepts its input must also print
// something its own parser accepts again (the broker journals and shows the
// normalized forms).
//   0 array spec (-a, max 1,000,000 tasks as broker.max_array_size), then
//     the index expression after the first '\n' as a cancel/status target
//   1 dependency (-d)        2 time limit (-t)     3 duration (config, --retry-delay)
//   4 begin time (--begin)   5 job target ("42_[1-5]") against an array
//   6 memory (--mem)         7 output pattern (-o) 8 interval set   9 signal (--signal)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>

#include "core/array_spec.h"
#include "core/dependency.h"
#include "core/ids.h"
#include "core/interval_set.h"
#include "core/output_pattern.h"
#include "core/resources.h"
#include "core/timefmt.h"
#include "exec/signal_names.h"

namespace {

using namespace baton;

constexpr TimeMs kNow = 1764000000000;  // 2025-11-24, a fixed "now"

void check(bool ok) {
  if (!ok) std::abort();
}

void array_spec(std::string_view text) {
  const auto nl = text.find('\n');
  const std::string_view spec_text = text.substr(0, nl);
  auto parsed = ArraySpec::parse(spec_text, 1000000);
  if (!parsed) return;
  const ArraySpec& a = parsed->spec;
  check(a.count() >= 1 && a.count() <= 1000000);
  const std::string norm = a.to_string();
  auto again = ArraySpec::parse(norm, 1000000);
  check(again && again->spec.to_string() == norm && again->spec.count() == a.count());
  check(a.ordinal_of(a.index_at(0)) == 0u);
  check(a.ordinal_of(a.index_at(a.count() - 1)) == a.count() - 1);
  check(a.index_at(0) == a.min() && a.index_at(a.count() - 1) == a.max());
  (void)a.format_ordinals(IntervalSet::range(0, a.count() - 1));
  if (nl == std::string_view::npos) return;
  auto sel = a.ordinals_in(text.substr(nl + 1));
  if (!sel) return;
  check(sel->empty() || std::prev(sel->intervals().end())->second < a.count());
  (void)a.format_ordinals(*sel);
}

void dependency(std::string_view text) {
  auto d = parse_dependency(text);
  if (!d) return;
  const std::string s = d->to_string();
  auto again = parse_dependency(s);
  check(again && again->to_string() == s && again->terms.size() == d->terms.size());
  (void)d->jobs();
  (void)evaluate(*d, [](JobId j) { return DepView{j % 2 == 0, j % 3 == 0, j % 5 == 0, j % 7 == 0}; }, true);
}

void target(std::string_view text) {
  auto t = parse_target(text);
  if (!t || !t->indices) return;
  static const ArraySpec kArray = ArraySpec::parse("0-999:3,2000-2100,4000000000", 1000000)->spec;
  if (auto sel = kArray.ordinals_in(*t->indices)) (void)kArray.format_ordinals(*sel);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 10) {
    case 0: array_spec(text); break;
    case 1: dependency(text); break;
    case 2:
      if (auto t = parse_time_limit(text)) {
        check(*t >= 0);
        if (*t < INT64_MAX / 1000) (void)format_duration(*t * 1000), (void)format_elapsed(*t * 1000);
      }
      break;
    case 3:
      if (auto d = parse_duration(text)) {
        check(*d >= 0);
        (void)format_duration(*d);
      }
      break;
    case 4:
      if (auto b = parse_begin(text, kNow)) (void)format_local_time(*b);
      break;
    case 5: target(text); break;
    case 6: {
      std::uint64_t mb = 0;
      (void)parse_mem_mb(std::string(text), mb);
      break;
    }
    case 7: {
      PatternValues v{42, 7, true, "render", "ann", "node1"};
      const std::string out = expand_pattern(text, v);
      check(out.size() <= text.size() * 400 + 16);  // widths stop at 3 digits: %999j is 1999 bytes
      break;
    }
    case 8:
      if (auto s = IntervalSet::parse(text)) {
        auto again = IntervalSet::parse(s->to_string());
        check(again && *again == *s && again->size() == s->size());
      }
      break;
    case 9: (void)parse_signal(text); break;
  }
  return 0;
}
