#include "core/dependency.h"

#include <algorithm>
#include <charconv>

namespace baton {

namespace {

struct TypeName {
  DepType type;
  const char* name;
};
constexpr TypeName kTypes[] = {
    {DepType::After, "after"},           {DepType::AfterAny, "afterany"},
    {DepType::AfterOk, "afterok"},       {DepType::AfterNotOk, "afternotok"},
    {DepType::AfterCorr, "aftercorr"},   {DepType::Singleton, "singleton"},
};

}  // namespace

const char* dep_type_name(DepType t) {
  for (const auto& tn : kTypes)
    if (tn.type == t) return tn.name;
  return "?";
}

bool Dependency::has(DepType t) const {
  return std::any_of(terms.begin(), terms.end(), [t](const DepTerm& d) { return d.type == t; });
}

std::vector<JobId> Dependency::jobs() const {
  std::vector<JobId> out;
  for (const auto& t : terms) out.insert(out.end(), t.jobs.begin(), t.jobs.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string Dependency::to_string() const {
  std::string s;
  for (const auto& t : terms) {
    if (!s.empty()) s += any ? '?' : ',';
    s += dep_type_name(t.type);
    for (JobId j : t.jobs) s += ":" + std::to_string(j);
  }
  return s;
}

Result<Dependency> parse_dependency(std::string_view text) {
  Dependency dep;
  if (text.empty()) return dep;
  const bool has_comma = text.find(',') != std::string_view::npos;
  const bool has_q = text.find('?') != std::string_view::npos;
  if (has_comma && has_q)
    return Status::error("bad dependency '" + std::string(text) +
                         "': use ',' (all must hold) or '?' (any may hold), not both");
  dep.any = has_q;
  const char sep = has_q ? '?' : ',';
  const std::string whole(text);
  for (bool more = true; more;) {
    auto p = text.find(sep);
    std::string_view term = text.substr(0, p);
    more = p != std::string_view::npos;
    text = more ? text.substr(p + 1) : std::string_view();
    if (term.empty()) return Status::error("bad dependency term '' in '" + whole + "': a separator with nothing after it");
    auto colon = term.find(':');
    const std::string_view name = term.substr(0, colon);
    DepTerm t;
    bool known = false;
    for (const auto& tn : kTypes) {
      if (name == tn.name) {
        t.type = tn.type;
        known = true;
      }
    }
    if (!known)
      return Status::error("bad dependency term '" + std::string(term) +
                           "': expected after, afterany, afterok, afternotok, aftercorr or singleton");
    std::string_view ids = colon == std::string_view::npos ? std::string_view() : term.substr(colon + 1);
    if (t.type == DepType::Singleton) {
      if (!ids.empty()) return Status::error("bad dependency term '" + std::string(term) + "': singleton takes no job ids");
    } else {
      if (ids.empty()) return Status::error("bad dependency term '" + std::string(term) + "': expected " + std::string(name) + ":JOBID[:JOBID...]");
      for (bool more_ids = true; more_ids;) {
        auto c = ids.find(':');
        std::string_view id = ids.substr(0, c);
        more_ids = c != std::string_view::npos;
        ids = more_ids ? ids.substr(c + 1) : std::string_view();
        JobId j = 0;
        auto [ptr, ec] = std::from_chars(id.data(), id.data() + id.size(), j);
        if (ec != std::errc() || ptr != id.data() + id.size() || j == 0)
          return Status::error("bad job id '" + std::string(id) + "' in dependency term '" + std::string(term) + "'");
        t.jobs.push_back(j);
      }
    }
    dep.terms.push_back(std::move(t));
  }
  if (dep.any && dep.has(DepType::AfterCorr))
    return Status::error("aftercorr gates each array task separately and cannot be joined with '?'");
  return dep;
}

namespace {

DepState term_state(const DepTerm& t, const std::function<DepView(JobId)>& view, bool singleton_clear) {
  if (t.type == DepType::Singleton) return singleton_clear ? DepState::Satisfied : DepState::Waiting;
  if (t.type == DepType::AfterCorr) return DepState::Satisfied;
  DepState all = DepState::Satisfied;
  for (JobId j : t.jobs) {
    const DepView v = view(j);
    DepState s = DepState::Waiting;
    switch (t.type) {
      case DepType::After: s = v.started ? DepState::Satisfied : DepState::Waiting; break;
      case DepType::AfterAny: s = v.terminal ? DepState::Satisfied : DepState::Waiting; break;
      case DepType::AfterOk:
        s = v.any_bad ? DepState::Never : v.all_ok ? DepState::Satisfied : DepState::Waiting;
        break;
      case DepType::AfterNotOk:
        s = !v.terminal ? DepState::Waiting : v.all_ok ? DepState::Never : DepState::Satisfied;
        break;
      default: break;
    }
    if (s == DepState::Never) return DepState::Never;
    if (s == DepState::Waiting) all = DepState::Waiting;
  }
  return all;
}

}  // namespace

DepState evaluate(const Dependency& dep, const std::function<DepView(JobId)>& view, bool singleton_clear) {
  if (dep.empty()) return DepState::Satisfied;
  if (dep.any) {
    bool all_never = true;
    for (const auto& t : dep.terms) {
      const DepState s = term_state(t, view, singleton_clear);
      if (s == DepState::Satisfied) return DepState::Satisfied;
      if (s != DepState::Never) all_never = false;
    }
    return all_never ? DepState::Never : DepState::Waiting;
  }
  DepState out = DepState::Satisfied;
  for (const auto& t : dep.terms) {
    const DepState s = term_state(t, view, singleton_clear);
    if (s == DepState::Never) return DepState::Never;
    if (s == DepState::Waiting) out = DepState::Waiting;
  }
  return out;
}

}  // namespace baton
