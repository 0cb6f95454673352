// Signal names: what `cancel -s` accepts and what reports print.
#include <doctest/doctest.h>

#include <csignal>

#include "exec/signal_names.h"

using namespace baton;

TEST_SUITE("exec") {

TEST_CASE("signal names parse with or without SIG, in any case, or as numbers") {
  CHECK(parse_signal("USR1") == SIGUSR1);
  CHECK(parse_signal("SIGUSR1") == SIGUSR1);
  CHECK(parse_signal("usr1") == SIGUSR1);
  CHECK(parse_signal("sigusr1") == SIGUSR1);
  CHECK(parse_signal("10") == 10);
  CHECK(parse_signal("KILL") == SIGKILL);
  CHECK(parse_signal("term") == SIGTERM);
  CHECK(parse_signal("1") == SIGHUP);
  CHECK(parse_signal("64") == 64);
  CHECK(parse_signal("IOT") == SIGABRT);
  CHECK(parse_signal("RTMIN") == SIGRTMIN);
  CHECK(parse_signal("SIGRTMIN+2") == SIGRTMIN + 2);
  CHECK(parse_signal("rtmax-1") == SIGRTMAX - 1);
}

TEST_CASE("the common job-control signals all have names") {
  const char* names[] = {"HUP",  "INT",  "QUIT", "ABRT", "KILL", "USR1", "SEGV",
                         "USR2", "PIPE", "ALRM", "TERM", "CONT", "STOP", "TSTP"};
  const int numbers[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGABRT, SIGKILL, SIGUSR1, SIGSEGV,
                         SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGCONT, SIGSTOP, SIGTSTP};
  for (std::size_t i = 0; i < std::size(names); ++i) {
    CAPTURE(names[i]);
    CHECK(parse_signal(names[i]) == numbers[i]);
    CHECK(signal_name(numbers[i]) == names[i]);
  }
}

TEST_CASE("nonsense, zero and out-of-range numbers are not signals") {
  CHECK_FALSE(parse_signal(""));
  CHECK_FALSE(parse_signal("SIG"));
  CHECK_FALSE(parse_signal("0"));
  CHECK_FALSE(parse_signal("65"));
  CHECK_FALSE(parse_signal("-9"));
  CHECK_FALSE(parse_signal("9x"));
  CHECK_FALSE(parse_signal("SIGFOO"));
  CHECK_FALSE(parse_signal("RTMIN-1"));
  CHECK_FALSE(parse_signal("RTMAX+1"));
  CHECK_FALSE(parse_signal(" TERM"));
}

TEST_CASE("every signal number 1..64 prints as a name that parses back to it") {
  for (int sig = 1; sig <= 64; ++sig) {
    CAPTURE(sig);
    CHECK(parse_signal(signal_name(sig)) == sig);
  }
  CHECK(signal_name(SIGUSR1) == "USR1");
  CHECK(signal_name(SIGRTMIN + 3) == "RTMIN+3");
  CHECK(signal_name(0) == "0");
  CHECK(signal_name(99) == "99");
}

}  // TEST_SUITE
