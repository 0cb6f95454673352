// How a TaskRecord maps onto a row of the `tasks` table, in one place, so the
// write path (record_task) and the read paths (load, history) cannot drift.
//
// Only store/ includes this. It knows columns, not SQL transactions.
#pragma once

#include <string>
#include <string_view>

#include "core/job.h"
#include "store/statement.h"

namespace baton::store {

// The record's columns, in bind/read order. They follow (job, ordinal, idx)
// in the table; statements list them with this text.
inline constexpr std::string_view kTaskColumns =
    "state, reason, attempt, failures, crashes, cancel_requested, outcome, worker, dispatched_ms, "
    "start_ms, end_ms, eligible_ms, exit_code, signal, max_rss_kb, cpu_ms, charged, gpus";
inline constexpr int kTaskColumnCount = 18;

// Binds `t` to parameters first .. first+kTaskColumnCount-1 (numbers with
// Statement::bind_again: `s` must be a statement kept for this). `gpus_text`
// is scratch space that must outlive the statement's next step.
void bind_task(Statement& s, int first, const TaskRecord& t, std::string_view worker,
               std::string& gpus_text);

// Reads the record from columns first .. first+kTaskColumnCount-1. Fails (with
// a message that names no task: the caller adds that) on an enum value or GPU
// list this code does not know. The worker slot stays kNoWorker: slots are
// the broker's, the name goes to `worker`.
Result<TaskRecord> read_task(const Statement& s, int first, std::string& worker);

}  // namespace baton::store
