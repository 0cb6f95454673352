// Signal names as people type them ("USR1", "SIGUSR1", "usr1", "10",
// "RTMIN+2") and as baton prints them ("USR1"). Used by `cancel -s` and by
// the worker when it reports how a task died. Pure text: sends no signals.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace baton {

// Accepts a name with or without "SIG", in any case, a number 1..64, or
// RTMIN[+n] / RTMAX[-n]. Returns nullopt for anything else (including 0).
std::optional<int> parse_signal(std::string_view text);

// "USR1" for SIGUSR1, "RTMIN+2" for real-time signals, the decimal number for
// signals without a name (32, 33, or anything out of range).
std::string signal_name(int sig);

}  // namespace baton
