// `baton workers` (list, drain, resume) and `baton explain`.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "cmd/context.h"
#include "cmd/output.h"
#include "core/resources.h"
#include "core/timefmt.h"

namespace baton::cli {

namespace {

struct WorkersFlags {
  std::vector<std::string> action;  // [] | [drain, HOST] | [resume, HOST]
  bool json = false, noheader = false;
  std::string format;
};

// What `workers --format` can show (sinfo's letters where one fits); each row
// has one cell per field, in this order.
const std::vector<Field> kWorkerFields = {
    {'N', "name", "NAME"},     {'T', "state", "STATE", true}, {'C', "cpus", "CPUS"},     {'m', "mem", "MEM"},
    {'G', "gpus", "GPUS"},     {'P', "queues", "QUEUES"},     {0, "tasks", "TASKS"},     {'n', "host", "HOST"},
    {'f', "labels", "LABELS"}, {'w', "weight", "WEIGHT"},
};
constexpr const char* kWorkersDefault = "name,state,cpus,mem,gpus,queues,tasks";

std::string res_cell(std::uint64_t used, std::uint64_t total) { return std::to_string(used) + "/" + std::to_string(total); }

int run_workers(Context& ctx, const WorkersFlags& f) {
  auto format = parse_format(f.format.empty() ? kWorkersDefault : f.format, kWorkerFields);
  if (!format) return ctx.fail(kUsage, "--format: " + format.error());
  pb::Envelope req, reply;
  pb::WorkersRequest* w = req.mutable_workers();
  if (!f.action.empty()) {
    if (f.action.size() != 2 || (f.action[0] != "drain" && f.action[0] != "resume"))
      return ctx.fail(kUsage, "workers: expected `workers`, `workers drain NAME` or `workers resume NAME`");
    (f.action[0] == "drain" ? w->mutable_drain() : w->mutable_resume())->assign(f.action[1]);
  }
  int code = 0;
  if (!ctx.call(req, reply, code)) return code;
  const pb::WorkersReply& r = reply.workers_reply();
  if (f.json) {
    std::cout << to_json(r) << "\n";
    return kOk;
  }
  if (!f.action.empty()) {
    std::cout << "worker " << f.action[1] << (f.action[0] == "drain" ? " drained: no new tasks start there\n" : " resumed\n");
    return kOk;
  }
  Table t(kWorkerFields, std::move(*format));
  for (const pb::WorkerInfo& wi : r.workers()) {
    std::string queues;
    for (const auto& q : wi.queues()) queues += (queues.empty() ? "" : ",") + q;
    std::string tasks;
    for (int i = 0; i < wi.tasks_size() && i < 8; ++i) tasks += (tasks.empty() ? "" : ",") + wi.tasks(i);
    if (wi.tasks_size() > 8) tasks += ",... (" + std::to_string(wi.tasks_size()) + ")";
    std::string mem = wi.capacity().mem_mb() ? format_mem_mb(wi.used().mem_mb()) + "/" + format_mem_mb(wi.capacity().mem_mb()) : "-";
    std::string extra;
    for (const auto& [k, v] : wi.capacity().named()) {
      auto u = wi.used().named().find(k);
      extra += " " + k + "=" + res_cell(u == wi.used().named().end() ? 0 : u->second, v);
    }
    std::string labels;
    for (const auto& [k, v] : std::map<std::string, std::string>(wi.labels().begin(), wi.labels().end()))
      labels += (labels.empty() ? "" : ",") + k + "=" + v;
    t.add({wi.name(), wi.state(), res_cell(wi.used().cpus(), wi.capacity().cpus()), mem,
           res_cell(wi.used().gpus(), wi.capacity().gpus()) + extra, queues, tasks, wi.host(), labels,
           std::to_string(wi.weight())});
  }
  std::cout << t.render(!f.noheader, use_colour());
  return kOk;
}

struct ExplainFlags {
  std::string target;
  bool json = false;
};

int run_explain(Context& ctx, const ExplainFlags& f) {
  pb::Envelope req, reply;
  req.mutable_explain()->set_target(f.target);
  int code = 0;
  if (!ctx.call(req, reply, code)) return code;
  const pb::ExplainReply& e = reply.explain_reply();
  if (f.json) {
    std::cout << to_json(e) << "\n";
    return kOk;
  }
  std::cout << "job " << e.job() << ": " << paint_state(e.state(), use_colour());
  if (!e.reason().empty() && e.state() == "PENDING") std::cout << " (" << e.reason() << ")";
  std::cout << "\n";
  for (const auto& d : e.details()) std::cout << "  " << d << "\n";
  return kOk;
}

}  // namespace

Runner install_workers(CLI::App& sub, Context&) {
  auto f = std::make_shared<WorkersFlags>();
  sub.add_option("action", f->action, "drain NAME | resume NAME (NAME may also be a host)");
  sub.add_flag("--json", f->json, "Print JSON (schema version 1, in baton-workers(1))");
  sub.add_option("-o,--format", f->format, "Fields to show: \"%N %T %C\" (sinfo letters) or name,state,cpus");
  sub.add_flag("-H,--noheader", f->noheader, "No header line");
  sub.footer("States: idle, mixed, busy, draining, lost. A drained worker finishes its tasks but starts no new ones.\n"
             "--format fields (%.10N: right-justified, 10 wide; name:10: left-justified, 10 wide):\n" +
             describe_fields(kWorkerFields, 96));
  return [f](Context& ctx) { return run_workers(ctx, *f); };
}

Runner install_explain(CLI::App& sub, Context&) {
  auto f = std::make_shared<ExplainFlags>();
  sub.add_option("job", f->target, "The job (or array task) to explain")->required();
  sub.add_flag("--json", f->json, "Print JSON (schema version 1, in baton-explain(1))");
  return [f](Context& ctx) { return run_explain(ctx, *f); };
}

}  // namespace baton::cli
