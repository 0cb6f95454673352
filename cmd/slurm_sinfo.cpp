// `sinfo`: baton's queues as partitions ("default" marked '*', as Slurm marks
// its default partition) and workers as nodes, in sinfo's letters and states.
#include <iostream>
#include <map>

#include "cmd/output.h"
#include "cmd/slurm.h"
#include "core/slurm_options.h"

namespace baton::cli {

namespace {

enum Id { kNoHeader = 1, kFormat, kNode, kSummarize, kLong, kPartition, kHelp, kVersion, kIgnore };

const std::vector<SlurmOption>& table() {
  using A = SlurmArg;
  static const std::vector<SlurmOption> t = {
      {'h', "noheader", A::kNone, kNoHeader}, {'o', "format", A::kRequired, kFormat},
      {'N', "Node", A::kNone, kNode},         {'s', "summarize", A::kNone, kSummarize},
      {'l', "long", A::kNone, kLong},         {'p', "partition", A::kRequired, kPartition},
      {0, "help", A::kNone, kHelp},           {0, "usage", A::kNone, kHelp},
      {'V', "version", A::kNone, kVersion},   {'a', "all", A::kNone, kIgnore},
      {'M', "clusters", A::kRequired, kIgnore}, {'e', "exact", A::kNone, kIgnore},
      {'r', "responding", A::kNone, kIgnore}, {'d', "dead", A::kNone, kIgnore},
      {'R', "list-reasons", A::kNone, kIgnore}, {'v', "verbose", A::kNone, kIgnore},
      {'t', "states", A::kRequired, kIgnore}, {'n', "nodes", A::kRequired, kIgnore},
      {'S', "sort", A::kRequired, kIgnore},   {'i', "iterate", A::kRequired, kIgnore},
      {0, "local", A::kNone, kIgnore},        {0, "noconvert", A::kNone, kIgnore},
      {'T', "reservation", A::kNone, kIgnore}, {0, "federation", A::kNone, kIgnore},
  };
  return t;
}

const std::vector<Field> kFields = {
    {'P', "partition", "PARTITION"}, {'R', "partitionname", "PARTITION"}, {'a', "available", "AVAIL"},
    {'l', "time", "TIMELIMIT"},      {'D', "nodes", "NODES"},             {'c', "cpus", "CPUS"},
    {'C', "cpusstate", "CPUS(A/I/O/T)"}, {'F', "nodeaiot", "NODES(A/I/O/T)"}, {'m', "memory", "MEMORY"},
    {'T', "statelong", "STATE"},     {'t', "statecompact", "STATE"},      {'N', "nodelist", "NODELIST"},
    {'G', "gres", "GRES"},           {'f', "features", "AVAIL_FEATURES"}, {'O', "cpusload", "CPU_LOAD"},
    {'e', "freemem", "FREE_MEM"},    {'z', "socketcorethread", "S:C:T"},  {'s', "size", "JOB_SIZE"},
    {'E', "reason", "REASON"},
};

const char* long_state(const std::string& s) {
  if (s == "busy") return "allocated";
  if (s == "draining") return "draining";
  if (s == "lost") return "down";
  return s == "mixed" ? "mixed" : "idle";
}
const char* short_state(const std::string& s) {
  if (s == "busy") return "alloc";
  if (s == "draining") return "drng";
  if (s == "lost") return "down";
  return s == "mixed" ? "mix" : "idle";
}

struct Group {
  std::vector<const pb::WorkerInfo*> workers;
};

}  // namespace

int slurm_sinfo(SlurmTool& t, const std::vector<std::string>& args) {
  auto parsed = parse_slurm_options(args, table(), true);
  if (!parsed) return t.error(kRefused, parsed.error());
  std::string format;
  bool header = true, by_node = false, summarize = false, long_format = false;
  std::vector<std::string> only;
  for (const SlurmWord& w : parsed->options) {
    const std::string v = w.value.value_or("");
    switch (w.id) {
      case kNoHeader: header = false; break;
      case kFormat: format = v; break;
      case kNode: by_node = true; break;
      case kSummarize: summarize = true; break;
      case kLong: long_format = true; break;
      case kPartition: only = split_list(v); break;
      case kHelp: std::cout << "Usage: sinfo [OPTIONS]  (baton's sinfo; see baton-slurm(7))\n"; return kOk;
      case kVersion: std::cout << "slurm (baton " << BATON_VERSION_STRING << ")\n"; return kOk;
      default: break;
    }
  }
  if (format.empty())
    format = by_node      ? "%-10N %.6D %-10P %.6t"
             : summarize  ? "%9P %.5a %.10l %.16F %N"
             : long_format ? "%9P %.5a %.10l %.6D %.11T %N"
                           : "%9P %.5a %.10l %.6D %.6t %N";
  auto fmt = parse_format(format, kFields);
  if (!fmt) return t.error(kRefused, "Invalid node format specification: " + fmt.error());
  for (Column& c : fmt->columns)
    if (c.width == Column::kFit) c.width = Column::kAsIs;
  pb::WorkersReply workers;
  int code = 0;
  if (!fetch_workers(t, workers, code)) return code;
  Table table(kFields, std::move(*fmt));
  for (const std::string& part : slurm_partitions(t, workers)) {
    if (!only.empty() && std::find(only.begin(), only.end(), part) == only.end()) continue;
    // Workers serving this queue, grouped by state (summarised: one group).
    std::map<std::string, Group> groups;
    for (const pb::WorkerInfo& w : workers.workers()) {
      if (std::find(w.queues().begin(), w.queues().end(), part) == w.queues().end()) continue;
      const std::string key = by_node ? w.name() : summarize ? "" : short_state(w.state());
      groups[key].workers.push_back(&w);
    }
    if (groups.empty()) groups[""];  // a partition with no nodes still shows
    for (const auto& [key, g] : groups) {
      std::uint64_t cpus = 0, used = 0, mem = 0, gpus = 0, alloc = 0, idle = 0, other = 0;
      std::uint32_t min_cpus = UINT32_MAX, max_cpus = 0;
      std::string nodes, state = g.workers.empty() ? "n/a" : g.workers.front()->state();
      for (const pb::WorkerInfo* w : g.workers) {
        cpus += w->capacity().cpus();
        used += w->used().cpus();
        mem = std::max<std::uint64_t>(mem, w->capacity().mem_mb());
        gpus = std::max<std::uint64_t>(gpus, w->capacity().gpus());
        min_cpus = std::min(min_cpus, w->capacity().cpus());
        max_cpus = std::max(max_cpus, w->capacity().cpus());
        (w->state() == "lost" || w->state() == "draining" ? other : w->used().cpus() ? alloc : idle) += 1;
        nodes += (nodes.empty() ? "" : ",") + w->name();
      }
      const std::size_t n = g.workers.size();
      const std::string cpu_text =
          n == 0 ? "0" : std::to_string(min_cpus) + (max_cpus > min_cpus ? "+" : "");
      const bool mixed_states = summarize && n > 0;
      table.add({part + (part == "default" ? "*" : ""), part, "up", "infinite", std::to_string(n), cpu_text,
                 std::to_string(used) + "/" + std::to_string(cpus - std::min(used, cpus)) + "/0/" + std::to_string(cpus),
                 std::to_string(alloc) + "/" + std::to_string(idle) + "/" + std::to_string(other) + "/" + std::to_string(n),
                 std::to_string(mem), mixed_states ? "mixed" : n ? long_state(state) : "n/a",
                 mixed_states ? "mix" : n ? short_state(state) : "n/a", nodes.empty() ? "" : nodes,
                 gpus ? "gpu:" + std::to_string(gpus) : "(null)", "(null)", "N/A", "N/A", "1:" + cpu_text + ":1",
                 "1-infinite", "none"});
    }
  }
  std::cout << table.render(header, false);
  return kOk;
}

}  // namespace baton::cli
