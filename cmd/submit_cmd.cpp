// `baton submit`: turns sbatch-style options, #BATON directives and
// BATON_SUBMIT_* variables into a JobSpec and queues it.
// Precedence: command line > environment > #BATON lines > #SBATCH lines.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cmd/context.h"
#include "cmd/submit_options.h"
#include "cmd/waiting.h"
#include "core/array_spec.h"
#include "core/directives.h"
#include "core/output_pattern.h"
#include "core/sbatch_options.h"

namespace baton::cli {

namespace {

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    const unsigned char c = b[i];
    std::size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 9;
    if (n == 9 || (n == 1 && c < 0xc2) || (n == 3 && c > 0xf4) || i + n >= s.size() + (n ? 0 : 1)) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if ((b[i + k] >> 6) != 0x2) return false;
    if (n == 2 && ((c == 0xe0 && b[i + 1] < 0xa0) || (c == 0xed && b[i + 1] >= 0xa0))) return false;  // overlong, surrogate
    if (n == 3 && ((c == 0xf0 && b[i + 1] < 0x90) || (c == 0xf4 && b[i + 1] >= 0x90))) return false;
    i += n + 1;
  }
  return true;
}

// The first string field of `m` (named like "argv" or "env") that is not
// valid UTF-8: protobuf's string fields must be, or the broker drops the message.
std::optional<std::string> non_utf8_field(const google::protobuf::Message& m) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      if (f->is_repeated()) {
        for (int k = 0; k < r->FieldSize(m, f); ++k)
          if (!valid_utf8(r->GetRepeatedString(m, f, k))) return f->name();
      } else if (!valid_utf8(r->GetString(m, f))) {
        return f->name();
      }
    } else if (f->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int k = 0; k < r->FieldSize(m, f); ++k)
          if (auto bad = non_utf8_field(r->GetRepeatedMessage(m, f, k))) return f->name() + "." + *bad;
      } else if (r->HasField(m, f)) {
        if (auto bad = non_utf8_field(r->GetMessage(m, f))) return f->name() + "." + *bad;
      }
    }
  }
  return std::nullopt;
}

// CLI11 parses a vector given in reverse order.
Status parse_words(CLI::App& app, std::vector<std::string> words) {
  std::reverse(words.begin(), words.end());
  try {
    app.parse(words);
  } catch (const CLI::ParseError& e) {
    return Status::error(e.what());
  }
  return Status::ok();
}

Result<std::string> read_script(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::error("cannot read script '" + path +
                         "'; to run a command, put it after --: baton submit -- CMD ARGS (or use --wrap 'CMD')");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// -v: where the job goes and where its output will be, as the worker will
// resolve it (for an array, the first task's files).
std::string describe_job(std::uint64_t id, const pb::JobSpec& spec) {
  const bool array = !spec.array().empty();
  std::uint32_t first = 0;
  if (array) {
    auto set = ArraySpec::parse(spec.array(), UINT64_MAX);
    if (set && set->spec.count() > 0) first = static_cast<std::uint32_t>(set->spec.index_at(0));
  }
  const TaskFiles files = task_files(spec, {id, first, array, spec.name(), spec.user(), "%N"});
  std::string s = "baton: job " + std::to_string(id) + (array ? " (tasks " + spec.array() + ")" : "") + ": queue " +
                  (spec.queue().empty() ? "default" : spec.queue()) + ", in " + files.cwd + "; output " +
                  files.absolute(files.stdout_path);
  s += files.stderr_path.empty() ? " (stderr too)" : ", errors " + files.absolute(files.stderr_path);
  if (array) s += " for task " + std::to_string(first);
  return s;
}

int run_submit(Context& ctx) {
  // The words after "submit", as typed.
  std::vector<std::string> words;
  bool seen = false;
  for (const auto& a : ctx.args) {
    if (seen) words.push_back(a);
    else if (a == "submit") seen = true;
  }
  // Pass 1: where do the options end and the command or script begin?
  SubmitOptions first;
  auto app1 = submit_app(first);
  if (auto st = parse_words(*app1, words); !st) return ctx.fail(kUsage, "submit: " + st.message());
  auto [cmdline, command, after_dashes] = split_command(*app1, words);

  std::string script;
  const bool script_mode = !after_dashes && !command.empty();
  std::vector<std::string> all;
  if (script_mode) {
    auto text = read_script(command[0]);
    if (!text) return ctx.fail(kUsage, text.error());
    script = std::move(*text);
    // #SBATCH lines first, so #BATON lines (read next) win over them.
    auto sbatch = sbatch_directive_words(script);
    if (!sbatch) return ctx.fail(kUsage, command[0] + ": " + sbatch.error());
    if (!sbatch->empty()) {
      auto req = translate_sbatch(*sbatch, false);
      if (!req) return ctx.fail(kUsage, command[0] + ": bad #SBATCH line: " + req.error());
      if (!req->operands.empty()) return ctx.fail(kUsage, command[0] + ": bad #SBATCH line: unexpected '" + req->operands[0] + "'");
      for (const auto& w : req->warnings) std::cerr << "baton: warning: " << w << "\n";
      all = req->submit_words;
      if (!req->partitions.empty()) all.push_back("--queue=" + req->partitions.front());
    }
    auto dirs = parse_directives(script);
    if (!dirs) return ctx.fail(kUsage, command[0] + ": " + dirs.error());
    for (const Directive& d : *dirs) {
      SubmitOptions probe;
      auto check = submit_app(probe);
      if (auto st = parse_words(*check, d.words); !st || !check->remaining().empty())
        return ctx.fail(kUsage, command[0] + ":" + std::to_string(d.line) + ": bad #BATON line: " +
                                    (st ? "unexpected '" + check->remaining().front() + "'" : st.message()));
      if (auto bad = build_spec(probe, {"-"}, nullptr); !bad)
        return ctx.fail(kUsage, command[0] + ":" + std::to_string(d.line) + ": bad #BATON line: " + bad.error());
      all.insert(all.end(), d.words.begin(), d.words.end());
    }
  }
  // Pass 2: directives, then environment, then the command line; last wins.
  SubmitOptions o;
  auto app = submit_app(o);
  auto env_words = env_option_words(*app);
  all.insert(all.end(), env_words.begin(), env_words.end());
  all.insert(all.end(), cmdline.begin(), cmdline.end());
  if (auto st = parse_words(*app, all); !st) return ctx.fail(kUsage, "submit: " + st.message());

  if (command.empty() && o.wrap.empty())
    return ctx.fail(kUsage, "submit: nothing to run; give a command after --, a script file, or --wrap 'CMD'");
  auto spec = build_spec(o, command, script_mode ? &script : nullptr);
  if (!spec) return ctx.fail(kUsage, "submit: " + spec.error());
  if (Status st = add_entries(o, *spec); !st) return ctx.fail(kUsage, "submit: " + st.message());

  if (auto field = non_utf8_field(*spec))
    return ctx.fail(kUsage, "submit: the job's " + *field +
                                " is not valid UTF-8, which the wire format requires" +
                                (*field == "env" ? std::string("; unset that variable or use --export")
                                                 : std::string("; pass such bytes another way, e.g. in a script")));

  pb::Envelope req, reply;
  *req.mutable_submit()->mutable_spec() = *spec;
  int code = 0;
  if (!ctx.call(req, reply, code)) return code;
  const std::uint64_t id = reply.submit_reply().job_id();
  for (const auto& w : reply.submit_reply().warnings()) std::cerr << "baton: warning: " << w << "\n";
  if (!o.quiet_unless_failed) {
    if (o.parsable) std::cout << id << std::endl;  // scripts ask for it, so even with -q
    else if (ctx.verbosity >= 0) std::cout << "Submitted job " << id << std::endl;
  }
  if (ctx.verbosity > 0) std::cerr << describe_job(id, *spec) << "\n";
  if (!o.wait && !o.quiet_unless_failed) return kOk;
  WaitOptions wo;
  wo.verbose = ctx.verbosity > 0;
  wo.progress = o.progress;
  if (o.quiet_unless_failed) wo.print_failed = &*spec;
  return wait_jobs(ctx, {std::to_string(id)}, wo);
}

}  // namespace

Runner install_submit(CLI::App& sub, Context&) {
  static SubmitOptions help_only;  // bound for --help and validation; run_submit re-parses
  static std::vector<std::string> command;
  define_submit_options(sub, help_only);
  sub.add_option("command", command, "CMD [ARGS...] after --, or SCRIPT [ARGS...]");
  sub.prefix_command();
  sub.footer(
      "Forms:\n"
      "  baton submit [OPTIONS] -- CMD [ARGS...]     run a command\n"
      "  baton submit [OPTIONS] SCRIPT [ARGS...]     run a batch script (snapshotted now; #BATON lines give options)\n"
      "  baton submit [OPTIONS] --wrap 'CMD'         run a shell command line\n"
      "Options also come from #BATON and #SBATCH lines in the script (Slurm's meanings; see baton-slurm(7))\n"
      "and BATON_SUBMIT_<OPTION> variables (BATON_SUBMIT_TIME=30); the command line wins over the\n"
      "environment, which wins over #BATON lines, which win over #SBATCH lines.\n"
      "Tasks see BATON_JOB_ID, BATON_TASK_ID, BATON_JOB_NAME, BATON_ARRAY_JOB_ID, BATON_ARRAY_TASK_ID,\n"
      "BATON_ARRAY_TASK_COUNT/MIN/MAX, BATON_ATTEMPT, BATON_CPUS, BATON_WORKER, BATON_SUBMIT_DIR,\n"
      "CUDA_VISIBLE_DEVICES, and with --each-line BATON_ENTRY (their line).");
  return run_submit;
}

}  // namespace baton::cli
