// What the parts of baton_benchtool share (benchtool.cpp holds main() and
// the usage of every subcommand).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace benchtool {

std::int64_t mono_ns();  // CLOCK_MONOTONIC in ns
[[noreturn]] void die(const std::string& msg);  // "baton_benchtool: msg", exit 2
double pct(std::vector<double> v, double p);  // nearest-rank percentile
// "n= p50_ms= p90_ms= p99_ms= min_ms= max_ms=" of samples in ms.
std::string summary(const std::vector<double>& v);
int wait_exit(pid_t pid);  // exit status, 128 + signal, or -1

int wake_latency(int argc, char** argv);  // wake_latency.cpp

}  // namespace benchtool
