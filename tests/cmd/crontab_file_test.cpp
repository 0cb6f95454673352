// Crontab text: entries with their #BATON options and CRON_TZ zone, errors
// naming the line, and the text `crontab -l` prints reading back the same.
#include <doctest/doctest.h>

#include "cmd/crontab_file.h"

using namespace baton;
using namespace baton::cli;

TEST_SUITE("cmd.crontab") {

TEST_CASE("a crontab gives each entry its schedule, command, #BATON options and CRON_TZ zone") {
  auto lines = parse_crontab(
      "# comment\n"
      "\n"
      "#BATON -J backup --concurrency forbid\n"
      "#BATON -t '1 h'\n"
      "0 2 * * *   backup.sh --full  \n"
      "CRON_TZ=Europe/Berlin\n"
      "@hourly echo 'a  b'\n",
      false);
  REQUIRE(lines);
  REQUIRE(lines->size() == 2);
  const CrontabLine& a = (*lines)[0];
  CHECK(a.line == 5);
  CHECK(a.schedule == "0 2 * * *");
  CHECK(a.command == "backup.sh --full");
  CHECK(a.options == std::vector<std::string>{"-J", "backup", "--concurrency", "forbid", "-t", "1 h"});
  CHECK(a.tz.empty());
  const CrontabLine& b = (*lines)[1];
  CHECK(b.schedule == "@hourly");
  CHECK(b.command == "echo 'a  b'");
  CHECK(b.options.empty());
  CHECK(b.tz == "Europe/Berlin");
}

TEST_CASE("a sixth leading seconds field is read only with cron_seconds, and only when it looks like one") {
  auto with = parse_crontab("*/10 * * * * * echo hi\n", true);
  REQUIRE(with);
  CHECK((*with)[0].schedule == "*/10 * * * * *");
  CHECK((*with)[0].command == "echo hi");
  auto without = parse_crontab("*/10 * * * * * echo hi\n", false);
  REQUIRE(without);
  CHECK((*without)[0].schedule == "*/10 * * * *");
  CHECK((*without)[0].command == "* echo hi");
  auto word = parse_crontab("0 * * * * run.sh now\n", true);
  REQUIRE(word);
  CHECK((*word)[0].schedule == "0 * * * *");
}

TEST_CASE("crontab errors name the line") {
  CHECK(parse_crontab("0 2 * *\n", false).error() == "line 1: expected five schedule fields and a command");
  CHECK(parse_crontab("\n@daily\n", false).error() == "line 2: expected @SCHEDULE COMMAND");
  CHECK(parse_crontab("MAILTO=me\n", false).error().find("line 1: environment lines") == 0);
  CHECK(parse_crontab("#BATON -t 5\n", false).error().find("no entry after them") != std::string::npos);
  CHECK(parse_crontab("#BATON -J 'open\n0 * * * * x\n", false).error().find("line 1:") == 0);
}

TEST_CASE("the printed crontab reads back as the same entries") {
  pb::CronEntry a, b;
  a.set_schedule("0 2 * * *");
  a.set_command("backup.sh --full");
  a.add_options("-J");
  a.add_options("backup");
  a.add_options("--env");
  a.add_options("GREETING=hello world");
  b.set_schedule("@hourly");
  b.set_command("echo tick");
  b.set_tz("Europe/Berlin");
  const std::string text = format_crontab({a, b});
  auto lines = parse_crontab(text, false);
  REQUIRE(lines);
  REQUIRE(lines->size() == 2);
  CHECK((*lines)[0].options == std::vector<std::string>{"-J", "backup", "--env", "GREETING=hello world"});
  CHECK((*lines)[0].command == "backup.sh --full");
  CHECK((*lines)[0].tz.empty());
  CHECK((*lines)[1].tz == "Europe/Berlin");
  CHECK((*lines)[1].schedule == "@hourly");
}

TEST_CASE("entries without -J are named after their command, made unique") {
  CHECK(default_entry_name("/usr/bin/backup.sh --full", {}) == "backup.sh");
  CHECK(default_entry_name("echo hi", {"echo"}) == "echo-2");
  CHECK(default_entry_name("echo hi", {"echo", "echo-2"}) == "echo-3");
  CHECK(default_entry_name("a:b c", {}) == "a_b");
}

}  // TEST_SUITE
