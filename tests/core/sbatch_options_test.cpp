// sbatch's option table and #SBATCH lines, as `baton submit` words.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "core/sbatch_options.h"
#include "core/slurm_options.h"

using namespace baton;

namespace {

using Words = std::vector<std::string>;

bool has(const Words& w, const std::string& s) { return std::find(w.begin(), w.end(), s) != w.end(); }

SbatchRequest ok(const Words& words, bool defaults = false) {
  auto r = translate_sbatch(words, defaults);
  REQUIRE_MESSAGE(r, (r ? "" : r.error()));
  return *r;
}

std::string refused(const Words& words) {
  auto r = translate_sbatch(words, false);
  REQUIRE_FALSE(r);
  return r.error();
}

}  // namespace

TEST_SUITE("core") {
  TEST_CASE("slurm options: -n1, -n 1, --ntasks=1, --ntasks 1, bundles and unique prefixes all read the same") {
    const std::vector<SlurmOption> t = {{'n', "ntasks", SlurmArg::kRequired, 1}, {'H', "hold", SlurmArg::kNone, 2},
                                        {'v', "verbose", SlurmArg::kNone, 3}, {0, "partition", SlurmArg::kRequired, 4}};
    for (const Words& w : {Words{"-n1"}, Words{"-n", "1"}, Words{"--ntasks=1"}, Words{"--ntasks", "1"}, Words{"--nt=1"}}) {
      auto p = parse_slurm_options(w, t, false);
      REQUIRE(p);
      REQUIRE(p->options.size() == 1);
      CHECK(p->options[0].id == 1);
      CHECK(*p->options[0].value == "1");
    }
    auto b = parse_slurm_options({"-Hvn2", "script.sh", "-n", "3"}, t, false);
    REQUIRE(b);
    REQUIRE(b->options.size() == 3);
    CHECK(*b->options[2].value == "2");
    CHECK(b->operands == Words{"script.sh", "-n", "3"});  // sbatch: options end at the script
    auto perm = parse_slurm_options({"1", "2", "--part=x"}, t, true);
    REQUIRE(perm);
    CHECK(perm->operands == Words{"1", "2"});
    CHECK(*perm->options[0].value == "x");
    CHECK_FALSE(parse_slurm_options({"--bogus"}, t, false));
    CHECK(parse_slurm_options({"--bogus"}, t, false).error() == "unrecognized option '--bogus'");
    CHECK_FALSE(parse_slurm_options({"-n"}, t, false));
    CHECK_FALSE(parse_slurm_options({"--hold=yes"}, t, false));
  }

  TEST_CASE("sbatch: Slurm's meanings: -p partition, -q qos, -c cpus, -J name, -t time, --wrap") {
    auto r = ok({"-p", "gpu,default", "-q", "high", "-A", "lab", "-c", "4", "-J", "x(1)", "-t", "10:00",
                 "--wrap=echo hi", "--parsable"});
    CHECK(r.partitions == Words{"gpu", "default"});
    CHECK(has(r.submit_words, "--cpus=4"));
    CHECK(has(r.submit_words, "--job-name=x(1)"));
    CHECK(has(r.submit_words, "--time=10:00"));
    CHECK(has(r.submit_words, "--wrap=echo hi"));
    CHECK(r.parsable);
    CHECK(r.has_wrap);
    for (const auto& w : r.submit_words) CHECK(w.find("priority") == std::string::npos);  // -p is never priority
    for (const auto& w : r.submit_words) CHECK(w.find("queue") == std::string::npos);     // nor -q the queue
  }

  TEST_CASE("sbatch: --mem-per-cpu is memory times CPUs, whichever order they come in; --mem alone is MB") {
    CHECK(has(ok({"--mem-per-cpu=2G", "--cpus-per-task=3"}).submit_words, "--mem=6144M"));
    CHECK(has(ok({"-c", "2", "--mem-per-cpu", "100"}).submit_words, "--mem=200M"));
    CHECK(has(ok({"--mem=954M"}).submit_words, "--mem=954M"));
    CHECK(has(ok({"--mem", "96"}).submit_words, "--mem=96M"));
    CHECK(has(ok({"--mem=4GB"}).submit_words, "--mem=4096M"));
    // The last memory option wins: the command line's --mem over a directive's --mem-per-cpu.
    CHECK(has(ok({"--mem-per-cpu=1G", "-c", "2", "--mem=500"}).submit_words, "--mem=500M"));
    CHECK(has(ok({"-G", "2", "--mem-per-gpu=1G"}).submit_words, "--mem=2048M"));
    CHECK_FALSE(translate_sbatch({"--mem=lots"}, false));
  }

  TEST_CASE("sbatch: GPUs from -G, --gpus=type:N and --gres=gpu[:type]:N; other gres are named resources") {
    CHECK(has(ok({"-G", "2"}).submit_words, "--gpus=2"));
    CHECK(has(ok({"--gpus=a100:3"}).submit_words, "--gpus=3"));
    CHECK(has(ok({"--gres=gpu:1"}).submit_words, "--gpus=1"));
    CHECK(has(ok({"--gres=gpu:v100:2"}).submit_words, "--gpus=2"));
    CHECK(has(ok({"--gres=gpu"}).submit_words, "--gpus=1"));
    CHECK(has(ok({"--gres=tmpdisk:10"}).submit_words, "--resource=tmpdisk=10"));
    CHECK(has(ok({"--cpus-per-gpu=4", "--gpus=2"}).submit_words, "--cpus=8"));
  }

  TEST_CASE("sbatch: one task on one node is accepted; more is refused, naming the option") {
    ok({"-n", "1", "-N", "1", "--ntasks-per-node=1", "--nodes=1-1", "--exclusive", "--requeue", "--comment=x",
        "--qos=normal", "--account=a", "--clusters=all", "--wckey=w", "--reservation=r", "--no-requeue",
        "--kill-on-invalid-dep=yes"});
    CHECK(refused({"-N", "2"}).find("--nodes=2") != std::string::npos);
    CHECK(refused({"--ntasks=4"}).find("--ntasks=4") != std::string::npos);
    CHECK(refused({"--ntasks-per-node=8"}).find("--ntasks-per-node") != std::string::npos);
    CHECK(refused({"--test-only"}).find("--test-only") != std::string::npos);
    CHECK(refused({"-C", "a|b"}).find("--constraint") != std::string::npos);
    CHECK(refused({"--input=data.txt"}).find("--input") != std::string::npos);
    CHECK_FALSE(translate_sbatch({"-N", "2", "script.sh"}, false));
    // A ':' between option groups is a heterogeneous job.
    CHECK_FALSE(translate_sbatch({"-c", "1", ":", "-c", "2", "x.sh"}, false));
  }

  TEST_CASE("sbatch: mail options are accepted with one warning; --signal drops its B: prefix") {
    auto r = ok({"--mail-type=END", "--mail-user=a@b", "--signal=B:USR2@30"});
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].find("no mail") != std::string::npos);
    CHECK(has(r.submit_words, "--signal=USR2@30"));
    CHECK(has(ok({"--signal=USR1@90"}).submit_words, "--signal=USR1@90"));
  }

  TEST_CASE("sbatch: -C features become worker labels; -D, -o, -e, --export, -d, -a, -H, -b pass through") {
    auto r = ok({"-C", "bigmem&ssd", "-D", "/tmp", "-o", "out-%J.log", "-e", "err-%A_%a", "--export=ALL,A=1",
                 "-d", "afterok:4:5", "-a", "0-9%2", "-H", "-b", "now+60", "--open-mode=append", "--nice"});
    CHECK(has(r.submit_words, "--constraint=bigmem=yes"));
    CHECK(has(r.submit_words, "--constraint=ssd=yes"));
    CHECK(has(r.submit_words, "--chdir=/tmp"));
    CHECK(has(r.submit_words, "--output=out-%J.log"));
    CHECK(has(r.submit_words, "--error=err-%A_%a"));
    CHECK(has(r.submit_words, "--export=ALL,A=1"));
    CHECK(has(r.submit_words, "--dependency=afterok:4:5"));
    CHECK(has(r.submit_words, "--array=0-9%2"));
    CHECK(has(r.submit_words, "--hold"));
    CHECK(has(r.submit_words, "--begin=now+60"));
    CHECK(has(r.submit_words, "--open-mode=append"));
    CHECK(has(r.submit_words, "--nice=100"));
    CHECK(has(ok({"-C", "rack=a"}).submit_words, "--constraint=rack=a"));
  }

  TEST_CASE("sbatch: the default output file is slurm-%j.out, slurm-%A_%a.out for arrays, only as sbatch") {
    CHECK(has(ok({}, true).submit_words, "--output=slurm-%j.out"));
    CHECK(has(ok({"--array=1-3"}, true).submit_words, "--output=slurm-%A_%a.out"));
    CHECK_FALSE(has(ok({"-o", "x"}, true).submit_words, "--output=slurm-%j.out"));
    for (const auto& w : ok({}, false).submit_words) CHECK(w.find("--output") == std::string::npos);
  }

  TEST_CASE("#SBATCH lines end at the first command, like sbatch's; later words override earlier ones") {
    auto w = sbatch_directive_words(
        "#!/bin/bash\n"
        "#SBATCH -J first\n"
        "\n"
        "# comment\n"
        "#SBATCH --time=5 # trailing\n"
        "#BATON --retries 2\n"
        "#SBATCH -J second\n"
        "echo go\n"
        "#SBATCH -J too-late\n");
    REQUIRE(w);
    CHECK(*w == Words{"-J", "first", "--time=5", "-J", "second"});
    auto r = ok(*w);
    CHECK(r.submit_words == Words{"--job-name=first", "--time=5", "--job-name=second"});
    CHECK_FALSE(sbatch_directive_words("#!/bin/sh\n#SBATCH -n 1\n#SBATCH hetjob\n#SBATCH -n 1\n"));
    CHECK(sbatch_directive_words("#SBATCHX -J x\n#SBATCH-J y\n")->empty());
  }

  TEST_CASE("SBATCH_* variables become option words; the command line given after them wins") {
    std::map<std::string, std::string> env = {{"SBATCH_JOB_NAME", "fromenv"}, {"SBATCH_TIMELIMIT", "30"},
                                              {"SBATCH_PARTITION", "gpu"}, {"SBATCH_EXCLUSIVE", ""},
                                              {"SBATCH_MEM_PER_CPU", "1G"}, {"UNRELATED", "x"}};
    auto words = sbatch_env_words([&](const char* name) -> const char* {
      auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    });
    CHECK(has(words, "--job-name=fromenv"));
    CHECK(has(words, "--time=30"));
    CHECK(has(words, "--partition=gpu"));
    CHECK(has(words, "--exclusive"));
    CHECK(words.size() == 5);
    // Directives, then the environment, then the command line: last wins.
    Words all = {"-J", "directive", "-c", "2"};
    all.insert(all.end(), words.begin(), words.end());
    all.insert(all.end(), {"-J", "cli"});
    auto r = ok(all);
    auto at = [&](const std::string& w) { return std::find(r.submit_words.begin(), r.submit_words.end(), w); };
    REQUIRE(at("--job-name=cli") != r.submit_words.end());
    CHECK(at("--job-name=directive") < at("--job-name=fromenv"));  // later words win when parsed in order
    CHECK(at("--job-name=fromenv") < at("--job-name=cli"));
    CHECK(has(r.submit_words, "--mem=2048M"));     // --mem-per-cpu from the environment times -c from a directive
    CHECK(r.partitions == Words{"gpu"});
  }
}
