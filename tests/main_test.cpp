// The unit-test runner. Logs stay quiet unless BATON_TEST_LOG is set.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

int main(int argc, char** argv) {
  spdlog::set_level(std::getenv("BATON_TEST_LOG") ? spdlog::level::debug : spdlog::level::off);
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
