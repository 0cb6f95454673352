// The protocol's descriptors are registered with protobuf's pool the first
// time reflection asks for one, not by a static constructor in every process
// (transport/CMakeLists.txt builds baton_lazy.pb.cc for that): a client
// command that never prints JSON never pays for it.
#include <doctest/doctest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "baton.pb.h"

extern char** environ;

using namespace baton;

namespace {

constexpr const char* kName = "baton.proto reaches the descriptor pool on first use and not at start-up";

bool registered() {
  return google::protobuf::DescriptorPool::generated_pool()->FindFileByName("baton.proto") != nullptr;
}

}  // namespace

TEST_SUITE("transport.proto_registration") {

TEST_CASE(kName) {
  if (const char* report = std::getenv("BATON_FRESH_PROCESS")) {
    // Run alone in a new process (below): nothing has asked for a descriptor yet.
    pb::Envelope env;
    env.mutable_submit()->mutable_spec()->set_name("x");
    std::string bytes;
    const bool coded = env.SerializeToString(&bytes) && env.ParseFromString(bytes);  // no descriptors needed
    const bool before = registered();
    const bool named = pb::Envelope::descriptor()->name() == "Envelope";
    const bool after = registered();
    std::ofstream(report) << "coded=" << coded << " before=" << before << " named=" << named << " after=" << after;
    return;
  }
  char tmpl[] = "/tmp/baton-proto-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::string filter = "-tc=";
  filter.append(kName);
  char self[] = "/proc/self/exe";
  char* argv[] = {self, filter.data(), nullptr};
  std::string fresh = std::string("BATON_FRESH_PROCESS=") + tmpl;
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  env.push_back(fresh.data());
  env.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(::posix_spawn(&pid, self, nullptr, nullptr, argv, env.data()) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  std::stringstream got;
  got << std::ifstream(tmpl).rdbuf();
  ::unlink(tmpl);
  CHECK(got.str() == "coded=1 before=0 named=1 after=1");
}

}
