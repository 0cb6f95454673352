// Signal name table and parsing; see signal_names.h. No signals are sent here.
#include "exec/signal_names.h"

#include <csignal>
#include <cctype>
#include <charconv>

namespace baton {
namespace {

struct Named {
  std::string_view name;
  int sig;
};

// Linux numbering. The first entry for a number is the one signal_name() prints.
constexpr Named kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},     {"IOT", SIGIOT},     {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},     {"CLD", SIGCHLD},    {"CONT", SIGCONT},
    {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},     {"WINCH", SIGWINCH},   {"IO", SIGIO},       {"POLL", SIGPOLL},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

constexpr int kMaxSignal = 64;  // Linux: _NSIG - 1

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::optional<int> parse_number(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// "RTMIN", "RTMIN+3", "RTMAX", "RTMAX-2" (already without "SIG").
std::optional<int> parse_realtime(std::string_view text) {
  if (text.size() < 5) return std::nullopt;
  std::string_view base = text.substr(0, 5);
  std::string_view rest = text.substr(5);
  int sig = 0;
  char sign = 0;
  if (iequals(base, "RTMIN")) {
    sig = SIGRTMIN;
    sign = '+';
  } else if (iequals(base, "RTMAX")) {
    sig = SIGRTMAX;
    sign = '-';
  } else {
    return std::nullopt;
  }
  if (!rest.empty()) {
    if (rest[0] != sign) return std::nullopt;
    auto offset = parse_number(rest.substr(1));
    if (!offset) return std::nullopt;
    sig = sign == '+' ? sig + *offset : sig - *offset;
  }
  if (sig < SIGRTMIN || sig > SIGRTMAX) return std::nullopt;
  return sig;
}

}  // namespace

std::optional<int> parse_signal(std::string_view text) {
  if (auto number = parse_number(text)) {
    if (*number >= 1 && *number <= kMaxSignal) return number;
    return std::nullopt;
  }
  if (text.size() > 3 && iequals(text.substr(0, 3), "SIG")) text.remove_prefix(3);
  for (const Named& s : kSignals) {
    if (iequals(text, s.name)) return s.sig;
  }
  return parse_realtime(text);
}

std::string signal_name(int sig) {
  for (const Named& s : kSignals) {
    if (s.sig == sig) return std::string(s.name);
  }
  if (sig == SIGRTMIN) return "RTMIN";
  if (sig > SIGRTMIN && sig <= SIGRTMAX) return "RTMIN+" + std::to_string(sig - SIGRTMIN);
  return std::to_string(sig);
}

}  // namespace baton
