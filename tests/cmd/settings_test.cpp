#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "cmd/settings.h"

using namespace baton::cli;

namespace {

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/baton-settings-XXXXXX";
    const int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    close(fd);
    path = tmpl;
    std::ofstream(path) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_SUITE("cmd") {
  TEST_CASE("a config file sets values and records file:line as their source") {
    TempFile f("[broker]\nliveness = 7\n\n[scheduler]\norder = \"fifo\"\nqueue_limits = { gpu = 4 }\n"
               "[worker]\nqueues = [\"gpu\", \"default\"]\n");
    Settings s = Settings::defaults();
    REQUIRE(s.load_file(f.path));
    CHECK(s.integer("broker.liveness") == 7);
    CHECK(s.at("broker.liveness").source == f.path + ":2");
    CHECK(s.str("scheduler.order") == "fifo");
    CHECK(s.list("scheduler.queue_limits") == std::vector<std::string>{"gpu=4"});
    CHECK(s.list("worker.queues") == std::vector<std::string>{"gpu", "default"});
    CHECK(s.at("broker.crash_limit").source == "default");
  }

  TEST_CASE("an unknown key in the config file is an error naming file:line") {
    TempFile f("[broker]\nliveness = 5\nlivenes = 3\n");
    Settings s = Settings::defaults();
    const auto st = s.load_file(f.path);
    REQUIRE_FALSE(st);
    CHECK(st.message() == f.path + ":3: unknown setting 'broker.livenes'");
  }

  TEST_CASE("a bad value in the config file is an error naming file:line and the key") {
    TempFile f("[scheduler]\n\norder = \"random\"\n");
    Settings s = Settings::defaults();
    const auto st = s.load_file(f.path);
    REQUIRE_FALSE(st);
    CHECK(st.message().find(f.path + ":3: scheduler.order: expected one of priority, fifo, sjf, fairshare") == 0);
  }

  TEST_CASE("a TOML syntax error names file:line") {
    TempFile f("[broker]\nliveness = = 5\n");
    Settings s = Settings::defaults();
    const auto st = s.load_file(f.path);
    REQUIRE_FALSE(st);
    CHECK(st.message().rfind(f.path + ":2: ", 0) == 0);
  }

  TEST_CASE("flags override the environment, which overrides the file") {
    TempFile f("[client]\ntimeout = \"9s\"\nbroker = \"tcp://file:1\"\n");
    Settings s = Settings::defaults();
    REQUIRE(s.load_file(f.path));
    setenv("BATON_BROKER", "tcp://env:2", 1);
    REQUIRE(s.load_env());
    unsetenv("BATON_BROKER");
    CHECK(s.str("client.broker") == "tcp://env:2");
    CHECK(s.at("client.broker").source == "$BATON_BROKER");
    REQUIRE(s.set("client.broker", "tcp://flag:3", "--broker"));
    CHECK(s.str("client.broker") == "tcp://flag:3");
    CHECK(s.duration("client.timeout") == 9000);
  }

  TEST_CASE("bad values from flags and --set are refused with the key named") {
    Settings s = Settings::defaults();
    CHECK_FALSE(s.set("client.timeout", "soon", "--set"));
    CHECK_FALSE(s.set_assignment("broker.liveness=-1"));
    CHECK_FALSE(s.set_assignment("no.such=1"));
    CHECK_FALSE(s.set_assignment("broker.liveness"));
    CHECK_FALSE(s.set("client.broker", "http://x", "--broker"));
    REQUIRE(s.set_assignment("scheduler.backfill=off"));
    CHECK_FALSE(s.boolean("scheduler.backfill"));
  }

  TEST_CASE("the sample cluster configuration in packaging/ is valid") {
    Settings s = Settings::defaults();
    REQUIRE(s.load_file(BATON_SOURCE_DIR "/packaging/baton.toml"));
    CHECK(s.str("broker.clients") == "tcp://127.0.0.1:7420");
  }
}
