// Client output: tables (--format, --noheader, colour) and the versioned JSON.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "baton.pb.h"
#include "cmd/output.h"

using namespace baton;
using namespace baton::cli;

namespace {

const std::vector<Field> kFields = {
    {'i', "jobid", "JOBID"},
    {'j', "name", "NAME"},
    {'T', "state", "STATE", true},
    {0, "exitcode", "EXIT"},
};

Format must_parse(const std::string& spec) {
  auto f = parse_format(spec, kFields);
  INFO((f ? std::string() : f.error()));
  REQUIRE(f.is_ok());
  return *f;
}

std::string render(const std::string& spec, bool header, bool colour) {
  Table t(kFields, must_parse(spec));
  t.add({"7", "short", "RUNNING", "0:0"});
  t.add({"1234", "a-longer-name", "FAILED", "3:0"});
  return t.render(header, colour);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string strip_escapes(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\033') {
      while (i < s.size() && s[i] != 'm') ++i;
      continue;
    }
    out += s[i];
  }
  return out;
}

nlohmann::json json_of(const google::protobuf::Message& m) { return nlohmann::json::parse(to_json(m)); }

}  // namespace

TEST_SUITE("cmd") {
  TEST_CASE("a table's columns are as wide as their widest cell, two blanks apart") {
    CHECK(render("jobid,name,state", true, false) ==
          "JOBID  NAME           STATE\n"
          "7      short          RUNNING\n"
          "1234   a-longer-name  FAILED\n");
  }

  TEST_CASE("--noheader drops the header line, and its width") {
    CHECK(render("jobid,state", false, false) ==
          "7     RUNNING\n"
          "1234  FAILED\n");
  }

  TEST_CASE("colour paints headers bold and states by value, and keeps the columns aligned") {
    const std::string plain = render("%T  %i  %j", true, false);
    const std::string painted = render("%T  %i  %j", true, true);
    CHECK(painted != plain);
    CHECK(painted.find("\033[1mSTATE\033[0m") != std::string::npos);
    CHECK(painted.find("\033[32mRUNNING\033[0m") != std::string::npos);
    CHECK(painted.find("\033[31mFAILED\033[0m") != std::string::npos);
    CHECK(strip_escapes(painted) == plain);
    for (const std::string& l : lines(painted)) CHECK(visible_width(l) == visible_width(strip_escapes(l)));
    CHECK(plain.find('\033') == std::string::npos);
  }

  TEST_CASE("widths count characters, not bytes or escape codes") {
    CHECK(visible_width("héllo") == 5);
    CHECK(visible_width("\033[32mRUNNING\033[0m") == 7);
    Table t(kFields, must_parse("jobid,name,state"));
    t.add({"1", "héllo", "PENDING"});
    t.add({"22", "plain", "PENDING"});
    const auto l = lines(t.render(false, false));
    CHECK(l[0] == "1   héllo  PENDING");
    CHECK(l[1] == "22  plain  PENDING");
  }

  TEST_CASE("squeue letters: a width pads or cuts, '.' right-justifies, text between fields is kept") {
    const auto l = lines(render("%.6i|%-5j %T", true, false));
    REQUIRE(l.size() == 3);
    CHECK(l[0] == " JOBID|NAME  STATE");
    CHECK(l[1] == "     7|short RUNNING");
    CHECK(l[2] == "  1234|a-lon FAILED");
  }

  TEST_CASE("squeue letters: a field without a width is unpadded when a separator other than blanks follows") {
    CHECK(render("%i|%T", false, false) == "7|RUNNING\n1234|FAILED\n");
    CHECK(render("%i %T", false, false) == "7    RUNNING\n1234 FAILED\n");
    CHECK(render("<%i>", false, false) == "<7>\n<1234>\n");
    CHECK(render("%i%%", false, false) == "7%\n1234%\n");
  }

  TEST_CASE("names pick fields in any case, with :width and :.width") {
    const Format f = must_parse("JobID,exitcode:.6,name:3");
    REQUIRE(f.columns.size() == 3);
    CHECK(f.columns[0].field == 0);
    CHECK(f.columns[0].width == Column::kFit);
    CHECK(f.columns[1].field == 3);
    CHECK(f.columns[1].width == 6);
    CHECK(f.columns[1].right);
    CHECK(f.columns[2].width == 3);
    CHECK_FALSE(f.columns[2].right);
    CHECK(render("state:3,jobid", true, false) == "STA  JOBID\nRUN  7\nFAI  1234\n");
  }

  TEST_CASE("an unknown field is an error that names it and lists the valid ones") {
    auto bad_letter = parse_format("%i %Z", kFields);
    REQUIRE_FALSE(bad_letter);
    CHECK(bad_letter.error().find("'%Z'") != std::string::npos);
    CHECK(bad_letter.error().find("%i jobid, %j name, %T state, exitcode") != std::string::npos);
    auto bad_name = parse_format("jobid,bogus", kFields);
    REQUIRE_FALSE(bad_name);
    CHECK(bad_name.error().find("'bogus'") != std::string::npos);
    CHECK_FALSE(parse_format("%.10", kFields));
    CHECK_FALSE(parse_format("jobid:x", kFields));
    CHECK_FALSE(parse_format("", kFields));
    CHECK_FALSE(parse_format(" , ", kFields));
  }

  TEST_CASE("colour only on a terminal and when NO_COLOR is unset or empty") {
    CHECK(colour_wanted(true, nullptr));
    CHECK(colour_wanted(true, ""));
    CHECK_FALSE(colour_wanted(true, "1"));
    CHECK_FALSE(colour_wanted(false, nullptr));
    CHECK(paint_state("idle", false) == "idle");
    CHECK(paint_state("lost", true) == "\033[31mlost\033[0m");
    CHECK(paint_state("whatever", true) == "whatever");
  }

  TEST_CASE("JSON has version 1, 64-bit integers as numbers and points in time as ISO-8601 UTC") {
    pb::StatusReply s;
    pb::JobInfo* j = s.add_jobs();
    j->set_id(9007199254740993ULL);
    j->set_name("job");
    j->set_state(pb::RUNNING);
    j->set_submit_ms(1795615387123);  // 2026-11-25T14:03:07.123Z
    j->set_time_limit_s(3600);
    pb::TaskInfo* t = j->add_tasks();
    t->set_start_ms(1795615388000);
    t->set_cpu_ms(1500);
    const std::string text = to_json(s);
    CHECK(text.rfind("{\"version\":1,\"jobs\":[{\"id\":9007199254740993,\"name\":\"job\"", 0) == 0);
    const auto d = json_of(s);
    CHECK(d["version"] == 1);
    const auto& job = d["jobs"][0];
    CHECK(job["id"].get<std::uint64_t>() == 9007199254740993ULL);
    CHECK(job["state"] == "RUNNING");
    CHECK(job["submit_time"] == "2026-11-25T14:03:07.123Z");
    CHECK_FALSE(job.contains("submit_ms"));
    CHECK(job["time_limit_s"] == 3600);
    CHECK(job["tasks"][0]["start_time"] == "2026-11-25T14:03:08.000Z");
    CHECK(job["tasks"][0]["cpu_ms"] == 1500);
  }

  TEST_CASE("JSON gives an unset time as null and leaves out a spec nobody sent") {
    pb::StatusReply s;
    s.add_jobs()->add_tasks();
    const auto d = json_of(s);
    const auto& job = d["jobs"][0];
    CHECK(job.contains("end_time"));
    CHECK(job["end_time"].is_null());
    CHECK(job["tasks"][0]["start_time"].is_null());
    CHECK(job["reason"] == "");  // every other field is present, with its default
    CHECK(job["finished"].is_array());
    CHECK_FALSE(job.contains("spec"));
    s.mutable_jobs(0)->mutable_spec()->set_begin_ms(1795615387123);
    const auto spec = json_of(s)["jobs"][0]["spec"];
    CHECK(spec["begin_time"] == "2026-11-25T14:03:07.123Z");
    CHECK(spec["kill_on_invalid_dep"].is_null());
  }

  TEST_CASE("JSON maps are objects sorted by key; worker times are converted too") {
    pb::WorkersReply r;
    pb::WorkerInfo* w = r.add_workers();
    (*w->mutable_labels())["rack"] = "a";
    (*w->mutable_labels())["gpu"] = "v100";
    (*w->mutable_capacity()->mutable_named())["license"] = 2;
    w->set_last_seen_ms(1000);
    const std::string text = to_json(r);
    CHECK(text.find("\"labels\":{\"gpu\":\"v100\",\"rack\":\"a\"}") != std::string::npos);
    const auto d = json_of(r);
    CHECK(d["workers"][0]["capacity"]["named"]["license"] == 2);
    CHECK(d["workers"][0]["last_seen_time"] == "1970-01-01T00:00:01.000Z");
  }

  TEST_CASE("format_utc writes milliseconds and a Z") {
    CHECK(format_utc(1795615387123) == "2026-11-25T14:03:07.123Z");
    CHECK(format_utc(5) == "1970-01-01T00:00:00.005Z");
  }
}
