// BrokerEngine: the `baton cron` and `baton crontab` requests. Entries belong
// to their user: with keys, a user sees and changes only their own unless
// admin (as for jobs). Every change is journaled before the reply leaves.
#include <spdlog/spdlog.h>

#include "core/broker_engine.h"
#include "core/timefmt.h"

namespace baton {

namespace {

Status check_run_spec(const pb::JobSpec& spec, const BrokerConfig& cfg) {
  if (spec.argv().empty() && spec.script().empty())
    return Status::error("nothing to run: give a command after --, a script, or --wrap");
  if (cfg.max_spec_bytes && spec.ByteSizeLong() > cfg.max_spec_bytes)
    return Status::error(fmt::format("the job is {} bytes; the limit is {} (broker.max_spec_size)", spec.ByteSizeLong(),
                                     cfg.max_spec_bytes));
  if (!spec.dependency().empty()) return Status::error("a recurring job cannot have --dependency (its runs are new jobs)");
  if (spec.begin_ms() != 0) return Status::error("a recurring job cannot have --begin (the schedule says when)");
  return Status::ok();
}

}  // namespace

bool BrokerEngine::cron_denied(const Requester& who, const pb::CronEntry& e) const {
  return who.authenticated && !who.admin && e.user() != who.user;
}

void BrokerEngine::fill_cron_info(const CronState& s, pb::CronInfo* out) const {
  *out->mutable_entry() = s.entry;
  out->set_next_ms(s.next_ms == kNever ? 0 : s.next_ms);
  for (JobId id : s.active) out->add_active(id);
  out->set_zone(s.entry.tz().empty() ? "local" : s.entry.tz());
}

Status BrokerEngine::cron_add(const pb::CronEntry& in, bool replace, bool check, TimeMs now, const Requester& who) {
  pb::CronEntry e = in;
  if (who.authenticated) e.set_user(who.user);
  if (Status st = check_run_spec(e.spec(), cfg_); !st) return st;
  const bool privileged = who.authenticated ? who.admin : e.uid() == cfg_.owner_uid || e.uid() == 0;
  if ((e.spec().priority() > 0 || e.spec().nice() < 0) && !privileged)
    return Status::error("only an admin (or the broker's owner) may raise --priority or use a negative --nice");
  if (!e.on_failure().empty() && !privileged)
    return Status::error("only an admin (or the broker's owner) may set --on-failure: it runs on the broker host, as "
                         "the broker's user");
  auto state = cron_->prepare(e, now);
  if (!state) return state.status();
  CronState* old = cron_->find(e.name());
  if (old && (!replace || cron_denied(who, old->entry) || old->entry.user() != e.user()))
    return Status::error("cron entry " + e.name() + " exists (owned by " + old->entry.user() +
                         "); `baton cron update` changes it, `baton cron remove` removes it");
  if (check) return Status::ok();
  if (old) {
    // Same entry, new definition: its history and its place in time stay.
    state->entry.set_last_scheduled_ms(old->entry.last_scheduled_ms());
    *state->entry.mutable_runs() = old->entry.runs();
    state->entry.set_created_ms(old->entry.created_ms());
    state->entry.set_paused(old->entry.paused());
    state->active = old->active;
  } else {
    state->entry.set_last_scheduled_ms(now);  // nothing before it existed is due
    state->entry.set_created_ms(now);
    state->entry.clear_runs();                // a client does not write history
  }
  CronState& s = cron_->put(std::move(*state));
  s.next_ms = s.entry.paused() ? kNever : s.schedule.next_after(now, s.zone);
  journal_.record_cron(s.entry);
  return Status::ok();
}

Status BrokerEngine::cron_update(CronState& s, const pb::CronRequest& m, TimeMs now, const Requester& who) {
  pb::CronEntry e = s.entry;
  const bool privileged = who.authenticated ? who.admin : m.entry().uid() == cfg_.owner_uid || m.entry().uid() == 0;
  for (const auto& [key, value] : m.fields()) {
    auto bad = [&](const std::string& why) { return Status::error("bad value for " + key + "='" + value + "': " + why); };
    if (key == "schedule") {
      e.set_schedule(value);
    } else if (key == "tz") {
      e.set_tz(value);
    } else if (key == "concurrency") {
      pb::CronConcurrency c;
      if (!parse_cron_concurrency(value, c)) return bad("use allow, forbid or replace");
      e.set_concurrency(c);
    } else if (key == "catch-up" || key == "catch_up") {
      pb::CronCatchUp c;
      if (!parse_cron_catch_up(value, c)) return bad("use none, last or all");
      e.set_catch_up(c);
    } else if (key == "starting-deadline" || key == "starting_deadline") {
      auto d = parse_duration(value);
      if (!d) return bad(d.error());
      e.set_starting_deadline_ms(*d);
    } else if (key == "history") {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || value.size() > 4)
        return bad("expected a count");
      e.set_history(static_cast<std::uint32_t>(std::stoul(value)));
    } else if (key == "on-failure" || key == "on_failure") {
      if (!privileged)
        return Status::error("only an admin (or the broker's owner) may set on-failure: it runs on the broker host");
      e.set_on_failure(value);
    } else {
      return Status::error("cannot update '" + key +
                           "': use schedule, tz, concurrency, catch-up, starting-deadline, history or on-failure "
                           "(to change the job itself, `baton cron add --replace`)");
    }
  }
  auto state = cron_->prepare(e, now);
  if (!state) return state.status();
  state->active = s.active;
  const int keep = static_cast<int>(e.history() ? e.history() : CronTable::kDefaultHistory);
  if (state->entry.runs_size() > keep) state->entry.mutable_runs()->DeleteSubrange(0, state->entry.runs_size() - keep);
  state->next_ms = e.paused() ? kNever : state->schedule.next_after(now, state->zone);
  s = std::move(*state);
  journal_.record_cron(s.entry);
  return Status::ok();
}

Status BrokerEngine::cron_crontab(const pb::CronRequest& m, TimeMs now, const Requester& who) {
  // Validate the whole table first: on any error nothing changes.
  std::set<std::string> names;
  std::string user;
  for (const pb::CronEntry& in : m.table()) {
    pb::CronEntry e = in;
    if (who.authenticated) e.set_user(who.user);
    if (user.empty()) user = e.user();
    if (!names.insert(e.name()).second) return Status::error("two entries are named " + e.name() + " (use #BATON -J NAME)");
    if (Status st = check_run_spec(e.spec(), cfg_); !st) return Status::error(e.name() + ": " + st.message());
    auto state = cron_->prepare(e, now);
    if (!state) return Status::error(e.name() + ": " + state.error());
    if (const CronState* old = cron_->find(e.name()); old && (!old->entry.from_crontab() || old->entry.user() != e.user()))
      return Status::error(e.name() + ": an entry of that name exists outside this crontab (owned by " +
                           old->entry.user() + ")");
  }
  if (m.check()) return Status::ok();
  if (user.empty()) user = who.authenticated ? who.user : m.entry().user();
  std::vector<std::string> gone;
  for (const auto& [name, s] : cron_->entries())
    if (s.entry.from_crontab() && s.entry.user() == user && !names.count(name)) gone.push_back(name);
  for (const std::string& name : gone) {
    cron_->erase(name);
    journal_.remove_cron(name);
  }
  for (const pb::CronEntry& in : m.table()) {
    pb::CronEntry e = in;
    e.set_from_crontab(true);
    if (Status st = cron_add(e, true, false, now, who); !st) return st;  // validated above
  }
  return Status::ok();
}

void BrokerEngine::handle_cron(const std::string& peer, std::uint64_t rid, const pb::CronRequest& m, TimeMs now,
                               const Requester& who) {
  pb::Envelope env;
  pb::CronReply* out = env.mutable_cron_reply();
  const std::string& op = m.op();
  if (op == "add") {
    if (Status st = cron_add(m.entry(), m.replace(), m.check(), now, who); !st) return reply_error(peer, rid, 1, st.message());
    if (const CronState* s = cron_->find(m.entry().name()); s && !m.check()) fill_cron_info(*s, out->add_entries());
    return reply(peer, rid, std::move(env));
  }
  if (op == "crontab") {
    if (Status st = cron_crontab(m, now, who); !st) return reply_error(peer, rid, 1, st.message());
    for (const auto& [name, s] : cron_->entries())
      if (s.entry.from_crontab() && !cron_denied(who, s.entry)) fill_cron_info(s, out->add_entries());
    return reply(peer, rid, std::move(env));
  }
  if (op == "list") {
    for (const auto& [name, s] : cron_->entries()) {
      if (cron_denied(who, s.entry)) continue;
      fill_cron_info(s, out->add_entries());
    }
    return reply(peer, rid, std::move(env));
  }
  CronState* s = cron_->find(m.name());
  if (!s || cron_denied(who, s->entry))
    return reply_error(peer, rid, 1, "no cron entry named '" + m.name() + "' (`baton cron list` lists them)");
  if (op == "show") {
    fill_cron_info(*s, out->add_entries());
    return reply(peer, rid, std::move(env));
  }
  if (op == "pause" || op == "resume") {
    const bool pause = op == "pause";
    if (s->entry.paused() != pause) {
      s->entry.set_paused(pause);
      if (pause) {
        s->next_ms = kNever;
      } else {
        // Times that passed while paused follow the catch-up policy.
        for (TimeMs t : cron_->come_back(*s, now)) cron_fire(*s, t, now, false, "catch-up");
      }
      journal_.record_cron(s->entry);
    }
  } else if (op == "remove") {
    for (JobId id : s->active) cron_runs_.erase(id);
    out->add_messages("removed cron entry " + s->entry.name() +
                      (s->active.empty() ? "" : "; its active runs go on as jobs"));
    const std::string name = s->entry.name();
    cron_->erase(name);
    journal_.remove_cron(name);
    return reply(peer, rid, std::move(env));
  } else if (op == "run") {
    const JobId id = cron_fire(*s, now, now, true, "run by hand");
    if (!id) return reply_error(peer, rid, 1, "cron entry " + s->entry.name() + ": the run was refused: " +
                                                  s->entry.runs(s->entry.runs_size() - 1).note());
    out->set_job_id(id);
  } else if (op == "update") {
    if (Status st = cron_update(*s, m, now, who); !st) return reply_error(peer, rid, 2, st.message());
  } else {
    return reply_error(peer, rid, 2, "unknown cron request '" + op + "'");
  }
  fill_cron_info(*s, out->add_entries());
  reply(peer, rid, std::move(env));
}

}  // namespace baton
