// TaskRecord <-> tasks row (see task_row.h).
#include "store/task_row.h"

#include <charconv>

namespace baton::store {

namespace {

// The last Reason enumerator; update when Reason grows.
constexpr int kLastReason = static_cast<int>(Reason::Cancelled);

void format_gpus(const std::vector<std::uint32_t>& gpus, std::string& out) {
  out.clear();
  char buf[16];
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    if (i > 0) out += ',';
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, gpus[i]);
    out.append(buf, end);
  }
}

bool parse_gpus(std::string_view text, std::vector<std::uint32_t>& out) {
  out.clear();
  while (!text.empty()) {
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc()) return false;
    out.push_back(v);
    text.remove_prefix(static_cast<std::size_t>(p - text.data()));
    if (text.empty()) break;
    if (text.front() != ',' || text.size() == 1) return false;
    text.remove_prefix(1);
  }
  return true;
}

}  // namespace

void bind_task(Statement& s, int first, const TaskRecord& t, std::string_view worker,
               std::string& gpus_text) {
  format_gpus(t.gpus, gpus_text);
  int i = first;
  s.bind_again(i++, static_cast<int>(t.state));
  s.bind_again(i++, static_cast<int>(t.reason));
  s.bind_again(i++, t.attempt);
  s.bind_again(i++, static_cast<int>(t.failures));
  s.bind_again(i++, static_cast<int>(t.crashes));
  s.bind_again(i++, t.cancel_requested ? 1 : 0);
  s.bind_again(i++, static_cast<int>(t.outcome));
  s.bind_text(i++, worker);
  s.bind_again(i++, t.dispatched_ms);
  s.bind_again(i++, t.start_ms);
  s.bind_again(i++, t.end_ms);
  s.bind_again(i++, t.eligible_ms);
  s.bind_again(i++, t.exit_code);
  s.bind_again(i++, t.signal);
  s.bind_again(i++, t.max_rss_kb);
  s.bind_again(i++, t.cpu_ms);
  s.bind_again(i++, t.charged);
  s.bind_text(i++, gpus_text);
}

Result<TaskRecord> read_task(const Statement& s, int first, std::string& worker) {
  TaskRecord t;
  int i = first;
  const int state = s.int32(i++);
  const int reason = s.int32(i++);
  t.attempt = static_cast<Attempt>(s.int64(i++));
  t.failures = static_cast<std::uint16_t>(s.int32(i++));
  t.crashes = static_cast<std::uint16_t>(s.int32(i++));
  t.cancel_requested = s.int32(i++) != 0;
  const int outcome = s.int32(i++);
  worker.assign(s.text(i++));
  t.dispatched_ms = s.int64(i++);
  t.start_ms = s.int64(i++);
  t.end_ms = s.int64(i++);
  t.eligible_ms = s.int64(i++);
  t.exit_code = s.int32(i++);
  t.signal = s.int32(i++);
  t.max_rss_kb = s.uint64(i++);
  t.cpu_ms = s.uint64(i++);
  t.charged = s.real(i++);
  const std::string_view gpus = s.text(i++);

  if (!pb::TaskState_IsValid(state) || state == pb::TASK_STATE_UNSPECIFIED)
    return Status::error("unknown task state " + std::to_string(state));
  if (reason < 0 || reason > kLastReason) return Status::error("unknown reason " + std::to_string(reason));
  if (!pb::Outcome_IsValid(outcome)) return Status::error("unknown outcome " + std::to_string(outcome));
  if (!parse_gpus(gpus, t.gpus)) return Status::error("bad GPU list '" + std::string(gpus) + "'");
  t.state = static_cast<TaskState>(state);
  t.reason = static_cast<Reason>(reason);
  t.outcome = static_cast<pb::Outcome>(outcome);
  return t;
}

}  // namespace baton::store
