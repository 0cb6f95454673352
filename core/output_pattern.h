// sbatch-style output file patterns: %j (task id: 42 or 42_7), %A (array job
// id), %a (array index), %x (job name), %u (user), %N (worker host), %% (%).
// A width between % and the letter zero-pads numbers: %4a -> 0007.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace baton {

struct PatternValues {
  std::uint64_t job = 0;
  std::uint32_t index = 0;
  bool is_array = false;
  std::string name;
  std::string user;
  std::string host;
};

std::string expand_pattern(std::string_view pattern, const PatternValues& v);

// The default stdout file when -o is not given.
std::string default_output_pattern(bool is_array);

}  // namespace baton
