#include "core/sbatch_options.h"

#include <charconv>

#include "core/directives.h"
#include "core/slurm_options.h"
#include "core/resources.h"

namespace baton {

namespace {

enum Id {
  kPass = 1,   // same meaning in `baton submit`: passed on under the name in kPassAs
  kIgnore,     // accepted, no effect on where or how the job runs in baton
  kRefuse,     // would change results: refused
  kCpus, kMem, kMemPerCpu, kMemPerGpu, kCpusPerGpu, kGpus, kGres, kPartition, kNtasks, kNodes, kPerNode,
  kConstraint, kMail, kSignal, kNice, kInput, kParsable, kWait, kHelp, kVersion, kWrap, kOutput, kArray,
};

struct Pass {
  const char* slurm;
  const char* baton;
};
// Options `baton submit` has under another (or the same) long name.
constexpr Pass kPassAs[] = {
    {"job-name", "job-name"}, {"dependency", "dependency"}, {"time", "time"}, {"error", "error"},
    {"open-mode", "open-mode"}, {"chdir", "chdir"}, {"workdir", "chdir"}, {"export", "export"},
    {"hold", "hold"}, {"begin", "begin"}, {"kill-on-invalid-dep", "kill-on-invalid-dep"},
    {"priority", "priority"},
};

const std::vector<SlurmOption>& table() {
  using A = SlurmArg;
  static const std::vector<SlurmOption> t = {
      {'J', "job-name", A::kRequired, kPass}, {'a', "array", A::kRequired, kArray},
      {'d', "dependency", A::kRequired, kPass}, {'t', "time", A::kRequired, kPass},
      {'c', "cpus-per-task", A::kRequired, kCpus}, {0, "mem", A::kRequired, kMem},
      {0, "mem-per-cpu", A::kRequired, kMemPerCpu}, {0, "mem-per-gpu", A::kRequired, kMemPerGpu},
      {0, "cpus-per-gpu", A::kRequired, kCpusPerGpu}, {'G', "gpus", A::kRequired, kGpus},
      {0, "gpus-per-node", A::kRequired, kGpus}, {0, "gpus-per-task", A::kRequired, kGpus},
      {0, "gpus-per-socket", A::kRequired, kGpus}, {0, "gres", A::kRequired, kGres},
      {'p', "partition", A::kRequired, kPartition}, {'o', "output", A::kRequired, kOutput},
      {'e', "error", A::kRequired, kPass}, {0, "open-mode", A::kRequired, kPass},
      {'D', "chdir", A::kRequired, kPass}, {0, "workdir", A::kRequired, kPass},
      {0, "export", A::kRequired, kPass}, {'H', "hold", A::kNone, kPass},
      {'b', "begin", A::kRequired, kPass}, {0, "kill-on-invalid-dep", A::kRequired, kPass},
      {0, "priority", A::kRequired, kPass}, {0, "nice", A::kOptional, kNice},
      {0, "signal", A::kRequired, kSignal}, {0, "wrap", A::kRequired, kWrap},
      {'W', "wait", A::kNone, kWait}, {0, "parsable", A::kNone, kParsable},
      {'n', "ntasks", A::kRequired, kNtasks}, {'N', "nodes", A::kRequired, kNodes},
      {0, "ntasks-per-node", A::kRequired, kPerNode}, {'C', "constraint", A::kRequired, kConstraint},
      {0, "mail-type", A::kRequired, kMail}, {0, "mail-user", A::kRequired, kMail},
      {'i', "input", A::kRequired, kInput}, {'h', "help", A::kNone, kHelp}, {0, "usage", A::kNone, kHelp},
      {'V', "version", A::kNone, kVersion},
      // Accepted and ignored: accounting, placement hints, node sharing, requeue policy.
      {'A', "account", A::kRequired, kIgnore}, {'q', "qos", A::kRequired, kIgnore},
      {0, "comment", A::kRequired, kIgnore}, {0, "wckey", A::kRequired, kIgnore},
      {'M', "clusters", A::kRequired, kIgnore}, {0, "cluster-constraint", A::kRequired, kIgnore},
      {0, "reservation", A::kRequired, kIgnore}, {'L', "licenses", A::kRequired, kIgnore},
      {0, "requeue", A::kNone, kIgnore}, {0, "no-requeue", A::kNone, kIgnore},
      {0, "exclusive", A::kOptional, kIgnore}, {'s', "oversubscribe", A::kNone, kIgnore},
      {'k', "no-kill", A::kOptional, kIgnore}, {'w', "nodelist", A::kRequired, kIgnore},
      {'x', "exclude", A::kRequired, kIgnore}, {'F', "nodefile", A::kRequired, kIgnore},
      {0, "hint", A::kRequired, kIgnore}, {'m', "distribution", A::kRequired, kIgnore},
      {0, "profile", A::kRequired, kIgnore}, {0, "propagate", A::kOptional, kIgnore},
      {0, "get-user-env", A::kOptional, kIgnore}, {0, "tmp", A::kRequired, kIgnore},
      {0, "mincpus", A::kRequired, kIgnore}, {0, "sockets-per-node", A::kRequired, kIgnore},
      {0, "cores-per-socket", A::kRequired, kIgnore}, {0, "threads-per-core", A::kRequired, kIgnore},
      {'B', "extra-node-info", A::kRequired, kIgnore}, {0, "ntasks-per-core", A::kRequired, kIgnore},
      {0, "ntasks-per-socket", A::kRequired, kIgnore}, {0, "ntasks-per-gpu", A::kRequired, kIgnore},
      {0, "gpu-bind", A::kRequired, kIgnore}, {0, "gpu-freq", A::kRequired, kIgnore},
      {0, "cpu-freq", A::kRequired, kIgnore}, {0, "mem-bind", A::kRequired, kIgnore},
      {0, "network", A::kRequired, kIgnore}, {0, "power", A::kRequired, kIgnore},
      {0, "mcs-label", A::kRequired, kIgnore}, {0, "bb", A::kRequired, kIgnore},
      {0, "bbf", A::kRequired, kIgnore}, {0, "delay-boot", A::kRequired, kIgnore},
      {0, "acctg-freq", A::kRequired, kIgnore}, {0, "time-min", A::kRequired, kIgnore},
      {0, "contiguous", A::kNone, kIgnore}, {'S', "core-spec", A::kRequired, kIgnore},
      {0, "thread-spec", A::kRequired, kIgnore}, {0, "switches", A::kRequired, kIgnore},
      {0, "ignore-pbs", A::kNone, kIgnore}, {'O', "overcommit", A::kNone, kIgnore},
      {0, "spread-job", A::kNone, kIgnore}, {0, "use-min-nodes", A::kNone, kIgnore},
      {'Q', "quiet", A::kNone, kIgnore}, {'v', "verbose", A::kNone, kIgnore},
      {0, "container", A::kRequired, kIgnore}, {0, "batch", A::kRequired, kIgnore},
      {0, "x11", A::kOptional, kIgnore}, {0, "threads", A::kRequired, kIgnore},
      // Refused: each would change what the job computes or when it is killed.
      {0, "test-only", A::kNone, kRefuse}, {0, "deadline", A::kRequired, kRefuse},
      {0, "uid", A::kRequired, kRefuse}, {0, "gid", A::kRequired, kRefuse},
      {0, "export-file", A::kRequired, kRefuse}, {0, "tres-per-task", A::kRequired, kRefuse},
      {0, "het-group", A::kRequired, kRefuse},
  };
  return t;
}

bool to_count(const std::string& s, std::int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

// The trailing count of "4", "a100:2", "gpu:a100:2" (1 when there is none).
bool trailing_count(const std::string& s, std::int64_t& out) {
  const auto colon = s.rfind(':');
  const std::string n = colon == std::string::npos ? s : s.substr(colon + 1);
  if (to_count(n, out)) return true;
  if (colon == std::string::npos || s.find_first_of("0123456789") == std::string::npos) return out = 1, true;
  return false;
}

}  // namespace

Result<SbatchRequest> translate_sbatch(const std::vector<std::string>& words, bool slurm_defaults) {
  auto parsed = parse_slurm_options(words, table(), false);
  if (!parsed) return parsed.status();
  SbatchRequest r;
  r.operands = std::move(parsed->operands);
  std::int64_t cpus = 0, gpus = 0, cpus_per_gpu = 0;
  enum { kNoMem, kMemTotal, kMemCpu, kMemGpu } mem_kind = kNoMem;
  std::uint64_t mem_mb = 0;
  bool mail_warned = false;
  auto refuse = [](const std::string& what, const std::string& why) -> Result<SbatchRequest> {
    return Status::error(what + ": " + why);
  };
  for (const SlurmWord& w : parsed->options) {
    const std::string v = w.value.value_or("");
    const std::string said = (w.long_name.empty() ? w.name : "--" + w.long_name) + (w.value ? "=" + v : "");
    switch (w.id) {
      case kPass: {
        for (const Pass& p : kPassAs)
          if (w.long_name == p.slurm) r.submit_words.push_back(std::string("--") + p.baton + (w.value ? "=" + v : ""));
        break;
      }
      case kOutput: r.submit_words.push_back("--output=" + v), r.has_output = true; break;
      case kArray: r.submit_words.push_back("--array=" + v), r.has_array = true; break;
      case kWrap: r.submit_words.push_back("--wrap=" + v), r.has_wrap = true; break;
      case kIgnore: break;
      case kRefuse: return refuse(said, "not supported by baton, which would otherwise run the job differently");
      case kCpus:
        if (!to_count(v, cpus) || cpus == 0) return refuse(said, "expected a number of CPUs");
        break;
      case kCpusPerGpu:
        if (!to_count(v, cpus_per_gpu)) return refuse(said, "expected a number of CPUs");
        break;
      case kMem: case kMemPerCpu: case kMemPerGpu:
        if (!parse_mem_mb(v, mem_mb)) return refuse(said, "expected a size like 500, 512M or 8G");
        mem_kind = w.id == kMem ? kMemTotal : w.id == kMemPerCpu ? kMemCpu : kMemGpu;
        break;
      case kGpus:
        if (!trailing_count(v, gpus)) return refuse(said, "expected a GPU count, like 2 or a100:2");
        break;
      case kGres:
        for (const std::string& g : split_list(v)) {
          std::string name = g.substr(0, g.find(':'));
          std::int64_t n = 1;
          if (name == "none") continue;
          if (!trailing_count(g, n)) return refuse(said, "expected NAME[:TYPE]:COUNT, like gpu:2");
          if (name == "gpu") gpus = n;
          else r.submit_words.push_back("--resource=" + name + "=" + std::to_string(n));
        }
        break;
      case kPartition: r.partitions = split_list(v); break;
      case kNtasks: case kPerNode: {
        std::int64_t n = 0;
        if (!to_count(v, n)) return refuse(said, "expected a number of tasks");
        if (n > 1) return refuse(said, "baton runs one task per job (use --cpus-per-task for more CPUs, or an array)");
        break;
      }
      case kNodes: {
        std::int64_t n = 0;
        const std::string min = v.substr(0, v.find('-'));
        if (!to_count(min, n)) return refuse(said, "expected a node count");
        if (n > 1) return refuse(said, "baton runs each job on one host");
        break;
      }
      case kConstraint:
        if (v.find_first_of("|[]*") != std::string::npos)
          return refuse(said, "only features joined by & are supported");
        for (const std::string& f : split_list(v, '&'))
          r.submit_words.push_back("--constraint=" + (f.find('=') == std::string::npos ? f + "=yes" : f));
        break;
      case kMail:
        if (!mail_warned) r.warnings.push_back("baton sends no mail: " + w.name + " is ignored");
        mail_warned = true;
        break;
      case kSignal: {
        std::string s = v;
        if (auto colon = s.find(':'); colon != std::string::npos && colon < s.find('@')) s = s.substr(colon + 1);
        r.submit_words.push_back("--signal=" + s);
        break;
      }
      case kNice: r.submit_words.push_back("--nice=" + (w.value ? v : std::string("100"))); break;
      case kInput:
        if (v != "/dev/null" && v != "none") return refuse(said, "tasks read their input from /dev/null in baton");
        break;
      case kParsable: r.parsable = true; break;
      case kWait: r.wait = true; break;
      case kHelp: r.help = true; break;
      case kVersion: r.version = true; break;
      default: break;
    }
  }
  if (cpus_per_gpu > 0 && gpus > 0) cpus = cpus_per_gpu * gpus;
  if (cpus > 0) r.submit_words.push_back("--cpus=" + std::to_string(cpus));
  if (gpus > 0) r.submit_words.push_back("--gpus=" + std::to_string(gpus));
  if (mem_kind != kNoMem && mem_mb > 0) {
    std::uint64_t total = mem_mb;
    if (mem_kind == kMemCpu) total *= static_cast<std::uint64_t>(std::max<std::int64_t>(1, cpus));
    if (mem_kind == kMemGpu) total *= static_cast<std::uint64_t>(std::max<std::int64_t>(1, gpus));
    r.submit_words.push_back("--mem=" + std::to_string(total) + "M");
  }
  if (!r.operands.empty() && r.operands.front() == ":")
    return Status::error("heterogeneous jobs (':' between option groups) are not supported by baton");
  if (slurm_defaults && !r.has_output)
    r.submit_words.push_back(r.has_array ? "--output=slurm-%A_%a.out" : "--output=slurm-%j.out");
  return r;
}

std::vector<std::string> sbatch_env_words(const std::function<const char*(const char*)>& lookup) {
  // Variable, option; a flag's variable counts when set to anything.
  static constexpr std::pair<const char*, const char*> kValues[] = {
      {"SBATCH_JOB_NAME", "--job-name"},     {"SBATCH_PARTITION", "--partition"},
      {"SBATCH_TIMELIMIT", "--time"},        {"SBATCH_ACCOUNT", "--account"},
      {"SBATCH_QOS", "--qos"},               {"SBATCH_ARRAY_INX", "--array"},
      {"SBATCH_EXPORT", "--export"},         {"SBATCH_MEM_PER_CPU", "--mem-per-cpu"},
      {"SBATCH_MEM_PER_NODE", "--mem"},      {"SBATCH_MEM_PER_GPU", "--mem-per-gpu"},
      {"SBATCH_GPUS", "--gpus"},             {"SBATCH_GRES", "--gres"},
      {"SBATCH_CPUS_PER_GPU", "--cpus-per-gpu"}, {"SBATCH_CONSTRAINT", "--constraint"},
      {"SBATCH_CLUSTERS", "--clusters"},     {"SBATCH_WCKEY", "--wckey"},
      {"SBATCH_RESERVATION", "--reservation"}, {"SBATCH_SIGNAL", "--signal"},
      {"SBATCH_OPEN_MODE", "--open-mode"},   {"SBATCH_DISTRIBUTION", "--distribution"},
  };
  static constexpr std::pair<const char*, const char*> kFlags[] = {
      {"SBATCH_EXCLUSIVE", "--exclusive"}, {"SBATCH_REQUEUE", "--requeue"},
      {"SBATCH_NO_REQUEUE", "--no-requeue"}, {"SBATCH_WAIT", "--wait"},
  };
  std::vector<std::string> words;
  for (const auto& [var, opt] : kValues)
    if (const char* v = lookup(var); v && *v) words.push_back(std::string(opt) + "=" + v);
  for (const auto& [var, opt] : kFlags)
    if (const char* v = lookup(var); v) words.push_back(opt);
  return words;
}

Result<std::vector<std::string>> sbatch_directive_words(std::string_view script) {
  auto dirs = parse_directives(script, "#SBATCH");
  if (!dirs) return dirs.status();
  std::vector<std::string> words;
  for (const Directive& d : *dirs) {
    if (d.words.front() == "hetjob" || d.words.front() == "packjob")
      return Status::error("line " + std::to_string(d.line) + ": heterogeneous jobs (#SBATCH " + d.words.front() +
                           ") are not supported by baton");
    words.insert(words.end(), d.words.begin(), d.words.end());
  }
  return words;
}

}  // namespace baton
