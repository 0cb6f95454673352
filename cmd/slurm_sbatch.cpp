// `sbatch`: Slurm's option table and #SBATCH lines (core/sbatch_options.h),
// turned into `baton submit` options and queued. Prints exactly
// "Submitted batch job N" (or "N" with --parsable), nothing on stderr on success.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cmd/slurm.h"
#include "cmd/submit_options.h"
#include "cmd/waiting.h"
#include "core/sbatch_options.h"

namespace baton::cli {

namespace {

constexpr const char* kUsageText =
    "Usage: sbatch [OPTIONS...] [SCRIPT [ARGS...]] | sbatch [OPTIONS...] --wrap=CMD\n"
    "baton's sbatch: Slurm's options and #SBATCH lines, run by baton. See baton-slurm(7)\n"
    "for every option accepted, ignored or refused.\n";

Status parse_submit_words(CLI::App& app, std::vector<std::string> words) {
  std::reverse(words.begin(), words.end());
  try {
    app.parse(words);
  } catch (const CLI::ParseError& e) {
    return Status::error(e.what());
  }
  return Status::ok();
}

Result<std::string> read_all(const std::string& path) {
  if (path == "-" ) {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("Unable to open file " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int slurm_sbatch(SlurmTool& t, const std::vector<std::string>& args) {
  // Pass 1: the command line alone, to find the script.
  auto cmdline = translate_sbatch(args, false);
  if (!cmdline) return t.error(kRefused, cmdline.error());
  if (cmdline->help) return std::cout << kUsageText, kOk;
  if (cmdline->version) return std::cout << "slurm (baton " << BATON_VERSION_STRING << ")\n", kOk;
  const std::size_t script_at = args.size() - cmdline->operands.size();
  const std::vector<std::string> options(args.begin(), args.begin() + static_cast<long>(script_at));
  std::vector<std::string> command = cmdline->operands;

  std::string script;
  const bool script_mode = !cmdline->has_wrap;
  if (script_mode) {
    if (command.empty()) command.push_back("-");  // no script named: read it from stdin
    auto text = read_all(command[0]);
    if (!text) return t.error(kRefused, text.error());
    script = std::move(*text);
    if (script.empty()) return t.error(kRefused, "Batch script is empty!");
    if (command[0] == "-") command[0] = "/dev/stdin";
  } else if (!command.empty()) {
    return t.error(kRefused, "--wrap: give either --wrap or a script, not both");
  }
  // Pass 2: directives first (later words win).
  std::vector<std::string> words;
  if (script_mode) {
    auto dir = sbatch_directive_words(script);
    if (!dir) return t.error(kRefused, command[0] + ": " + dir.error());
    words = std::move(*dir);
    // A directive block may not name a script: its operands would be ignored by sbatch.
    auto check = translate_sbatch(words, false);
    if (!check) return t.error(kRefused, command[0] + ": #SBATCH " + check.error());
    if (!check->operands.empty()) return t.error(kRefused, command[0] + ": #SBATCH: unexpected '" + check->operands[0] + "'");
  }
  // Then SBATCH_* variables, then the command line.
  const auto env_words = sbatch_env_words([](const char* name) { return static_cast<const char*>(std::getenv(name)); });
  words.insert(words.end(), env_words.begin(), env_words.end());
  words.insert(words.end(), options.begin(), options.end());
  auto req = translate_sbatch(words, true);
  if (!req) return t.error(kRefused, req.error());

  std::vector<std::string> submit_words = req->submit_words;
  if (!req->partitions.empty()) {
    pb::WorkersReply workers;
    int code = 0;
    if (!fetch_workers(t, workers, code)) return code;
    const auto parts = slurm_partitions(t, workers);
    std::string chosen;
    for (const std::string& p : req->partitions)
      if (std::find(parts.begin(), parts.end(), p) != parts.end()) {
        chosen = p;
        break;
      }
    if (chosen.empty()) {
      std::string list;
      for (const auto& p : parts) list += (list.empty() ? "" : ", ") + p;
      return t.error(kRefused, "Batch job submission failed: Invalid partition name specified (" +
                                   req->partitions.front() + "; baton's queues are: " + list + ")");
    }
    submit_words.push_back("--queue=" + chosen);
  }
  SubmitOptions o;
  auto app = submit_app(o);
  if (auto st = parse_submit_words(*app, submit_words); !st) return t.error(kRefused, st.message());
  auto spec = build_spec(o, command, script_mode ? &script : nullptr);
  if (!spec) return t.error(kRefused, "Batch job submission failed: " + spec.error());

  pb::Envelope env, reply;
  *env.mutable_submit()->mutable_spec() = *spec;
  int code = 0;
  if (!t.ctx.call(env, reply, code)) return code;
  // Warnings first: tools that merge the streams take the last word as the id.
  for (const auto& w : req->warnings) std::cerr << "sbatch: warning: " << w << "\n";
  for (const auto& w : reply.submit_reply().warnings()) std::cerr << "sbatch: warning: " << w << "\n";
  std::cerr.flush();
  const std::uint64_t id = reply.submit_reply().job_id();
  if (req->parsable) std::cout << id << std::endl;
  else std::cout << "Submitted batch job " << id << std::endl;
  if (!req->wait) return kOk;
  return wait_jobs(t.ctx, {std::to_string(id)}, WaitOptions{});
}

}  // namespace baton::cli
