// `baton ha`: a replicated broker cluster's state, and its maintenance:
// status, transfer (move leadership), add and remove (membership).
#include <CLI/CLI.hpp>
#include <iostream>

#include <fmt/format.h>

#include "cmd/context.h"
#include "cmd/daemon_util.h"
#include "cmd/ha_settings.h"
#include "cmd/output.h"

namespace baton::cli {

namespace {

struct HaFlags {
  std::string action = "status";
  std::vector<std::string> args;
  bool json = false;
};

void print_status(const pb::HaReply& r) {
  std::cout << fmt::format("node {}: {}, term {}, commit index {}, applied {}, last {}\n", r.node(), r.state(), r.term(),
                           r.commit_index(), r.applied_index(), r.last_index());
  if (r.leader() != 0) std::cout << fmt::format("leader: node {} at {}\n", r.leader(), r.leader_address());
  else std::cout << "leader: none known (an election may be running)\n";
  static const std::vector<Field> fields = {
      {0, "node", "NODE"}, {0, "address", "ADDRESS"}, {0, "role", "ROLE"},
      {0, "leader", "LEADER"}, {0, "match", "MATCH"}, {0, "lag", "LAG"}};
  auto format = parse_format("node,address,role,leader,match,lag", fields);
  Table t(fields, std::move(*format));
  for (const pb::HaMember& m : r.members()) {
    // Only the leader knows how far each member has come.
    const bool known = r.state() == "leader";
    const std::uint64_t lag = known && r.last_index() > m.match_index() ? r.last_index() - m.match_index() : 0;
    t.add({std::to_string(m.id()), m.address(), m.role(), m.leader() ? "*" : "",
           known ? std::to_string(m.match_index()) : "-", known ? std::to_string(lag) : "-"});
  }
  std::cout << t.render(true, false);
}

// `ha recover`: offline, on this host's stopped broker (see baton-ha(1)).
int run_recover(Context& ctx) {
  const Settings& s = ctx.settings;
  if (s.integer("ha.node_id") == 0) return ctx.fail(kUsage, "ha recover: set ha.node_id and ha.peers (the new membership)");
  JournalOptions jo;
  jo.path = s.str("journal.path");
  auto opts = member_options(s, jo);
  if (!opts) return ctx.fail(kUsage, "ha recover: " + opts.error());
  if (auto st = lock_file(jo.path + ".lock"); !st)
    return ctx.fail(kRefused, "ha recover: the broker of " + jo.path + " is running; stop it first (" + st.message() + ")");
  if (auto st = ha::RaftNode::recover(opts->raft); !st) return ctx.fail(kRefused, "ha recover: " + st.message());
  std::cerr << "baton: " << opts->raft.dir << " now holds a configuration of " << opts->raft.peers.size()
            << " member(s); copy it and " << jo.path << " to the other members named in ha.peers, then start them\n";
  return kOk;
}

int run_ha(Context& ctx, const HaFlags& f) {
  if (f.action == "recover") return run_recover(ctx);
  pb::Envelope req, reply;
  pb::HaRequest* h = req.mutable_ha();
  auto node_arg = [&](std::size_t i, bool required) -> std::optional<std::uint64_t> {
    if (f.args.size() <= i) {
      if (!required) return 0;
      return std::nullopt;
    }
    try {
      std::size_t used = 0;
      const auto v = std::stoull(f.args[i], &used);
      if (used == f.args[i].size() && v > 0) return v;
    } catch (...) {
    }
    return std::nullopt;
  };
  if (f.action == "status") {
    h->set_status(true);
  } else if (f.action == "transfer") {
    auto n = node_arg(0, false);
    if (!n) return ctx.fail(kUsage, "ha transfer: expected a node id (a whole number above 0), got '" + f.args[0] + "'");
    h->set_transfer(true);
    h->set_node(*n);
  } else if (f.action == "add") {
    auto n = node_arg(0, true);
    if (!n || f.args.size() != 2)
      return ctx.fail(kUsage, "ha add: expected NODE HOST:PORT, e.g. `baton ha add 4 10.0.0.4:7430`");
    h->set_node(*n);
    h->set_add_address(f.args[1]);
  } else if (f.action == "remove") {
    auto n = node_arg(0, true);
    if (!n || f.args.size() != 1) return ctx.fail(kUsage, "ha remove: expected one NODE id");
    h->set_node(*n);
    h->set_remove(true);
  } else {
    return ctx.fail(kUsage, "ha: unknown action '" + f.action + "' (status, transfer, add, remove, recover)");
  }
  int code = 0;
  if (!ctx.call(req, reply, code)) return code;
  if (!reply.has_ha_reply()) return ctx.fail(kUnreachable, "ha: the broker answered with something else");
  if (f.json) {
    std::cout << to_json(reply.ha_reply()) << "\n";
    return kOk;
  }
  if (!reply.ha_reply().message().empty()) std::cerr << "baton: " << reply.ha_reply().message() << "\n";
  if (f.action == "status") print_status(reply.ha_reply());
  return kOk;
}

}  // namespace

Runner install_ha(CLI::App& sub, Context&) {
  auto f = std::make_shared<HaFlags>();
  sub.add_option("action", f->action,
                 "status (default), transfer [NODE], add NODE HOST:PORT, remove NODE, recover (offline)");
  sub.add_option("args", f->args, "the action's arguments");
  sub.add_flag("--json", f->json, "print the answering broker's view as JSON");
  sub.footer("Asks the brokers listed in client.broker (any of them answers `status`; the leader does the rest).\n"
             "`recover` works on this host's stopped broker: it forces ha.peers as the cluster's membership\n"
             "after a majority was lost. See baton-ha(1) and the README's High availability section.");
  return [f](Context& ctx) { return run_ha(ctx, *f); };
}

}  // namespace baton::cli
