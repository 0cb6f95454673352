// Building a cron entry on the client: submit's options and a script's
// #BATON lines for the job, the entry's own policy options, and errors that
// name the option. Also the zoneinfo reader behind --tz.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "cmd/cron_spec.h"
#include "cmd/zone_files.h"

using namespace baton;
using namespace baton::cli;

TEST_SUITE("cmd.cron") {

TEST_CASE("cron add's words give the job (submit options, command) and the entry's policies") {
  bool replace = false;
  auto e = cron_entry_from_words({"-t", "5", "--concurrency", "forbid", "--catch-up", "last", "--starting-deadline",
                                  "10m", "--history", "3", "--tz", "Europe/Berlin", "--replace", "--", "rsync", "-a"},
                                 &replace);
  REQUIRE(e);
  CHECK(e->spec().argv_size() == 2);
  CHECK(e->spec().argv(0) == "rsync");
  CHECK(e->spec().time_limit_s() == 300);
  CHECK(e->concurrency() == pb::CRON_FORBID);
  CHECK(e->catch_up() == pb::CRON_CATCH_UP_LAST);
  CHECK(e->starting_deadline_ms() == 600000);
  CHECK(e->history() == 3);
  CHECK(e->tz() == "Europe/Berlin");
  CHECK(replace);
  CHECK(e->user() == e->spec().user());
  CHECK(e->options_size() == 13);
}

TEST_CASE("a script is snapshotted and its #BATON lines give options, the command line winning") {
  const std::string path = "/tmp/baton-cron-spec-test.sh";
  std::ofstream(path) << "#!/bin/sh\n#BATON -t 30 --concurrency replace\necho hi\n";
  auto e = cron_entry_from_words({"-t", "2", path});
  std::remove(path.c_str());
  REQUIRE(e);
  CHECK(e->spec().script() == "#!/bin/sh\n#BATON -t 30 --concurrency replace\necho hi\n");
  CHECK(e->spec().time_limit_s() == 120);
  CHECK(e->concurrency() == pb::CRON_REPLACE);
}

TEST_CASE("bad cron options and options that make no sense for a recurring job are refused by name") {
  CHECK(cron_entry_from_words({"--concurrency", "never", "--", "true"}).error() ==
        "--concurrency: expected allow, forbid or replace, got 'never'");
  CHECK(cron_entry_from_words({"--catch-up", "some", "--", "true"}).error() ==
        "--catch-up: expected none, last or all, got 'some'");
  CHECK(cron_entry_from_words({"--starting-deadline", "soon", "--", "true"}).error().find("--starting-deadline:") == 0);
  CHECK(cron_entry_from_words({"--wait", "--", "true"}).error().find("do not apply to a recurring job") != std::string::npos);
  CHECK(cron_entry_from_words({}).error().find("nothing to run") == 0);
}

TEST_CASE("zones come from the zoneinfo directory by Area/City; unknown and unsafe names are refused") {
  ZoneFiles zones;
  auto utc = zones.load("UTC");
  REQUIRE(utc);
  CHECK(utc->offset_s(0) == 0);
  CHECK(zones.load("Mars/Olympus").error().find("unknown time zone 'Mars/Olympus'") == 0);
  CHECK_FALSE(zones.load("../../etc/passwd"));
  CHECK_FALSE(zones.load("/etc/localtime"));
  CHECK(zones.load(""));  // the local zone: $TZ, /etc/localtime, or UTC
  std::ifstream probe("/usr/share/zoneinfo/America/New_York");
  if (!probe) return;  // no tzdata on this host: the TZif reader is tested in core
  auto ny = zones.load("America/New_York");
  REQUIRE(ny);
  CHECK(ny->offset_s(1798761600000) == -5 * 3600);  // 2027-01-01T00:00Z
  CHECK(ny->name() == "America/New_York");
}

}  // TEST_SUITE
