// A prepared SQLite statement that finalizes itself, with typed binds and
// column reads. Statements are prepared once (at open) and reused: each use
// binds, steps, and resets through a Use guard, so no statement is left
// mid-step holding a read snapshot (which would stall WAL checkpoints).
//
// Only store/ includes this. Not thread-safe; borrows the connection, which
// must outlive the statement.
#pragma once

#include <sqlite3.h>

#include <bit>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace baton::store {

class Statement {
 public:
  Statement() = default;
  // `persistent` tells SQLite the statement is kept for the life of the connection.
  static Result<Statement> prepare(sqlite3* db, const std::string& path, std::string_view sql,
                                   bool persistent = true);

  Statement(Statement&& o) noexcept
      : stmt_(std::exchange(o.stmt_, nullptr)),
        bind_rc_(std::exchange(o.bind_rc_, SQLITE_OK)),
        kept_(std::move(o.kept_)) {}
  Statement& operator=(Statement&& o) noexcept {  // the old statement is finalized with `o`
    std::swap(stmt_, o.stmt_);
    std::swap(bind_rc_, o.bind_rc_);
    std::swap(kept_, o.kept_);
    return *this;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  // Resets the statement when it goes out of scope, whatever happened.
  class Use {
   public:
    explicit Use(Statement& s) : s_(s) {}
    ~Use() { s_.reset(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    Statement& s_;
  };

  // Parameters are numbered from 1. Text and blobs are not copied: they must
  // stay alive until the statement is reset. A failed bind is kept and
  // returned by the next step().
  void bind(int i, std::int64_t v) { keep(sqlite3_bind_int64(stmt_, i, v)); }
  void bind(int i, std::uint64_t v) { bind(i, static_cast<std::int64_t>(v)); }
  void bind(int i, int v) { keep(sqlite3_bind_int(stmt_, i, v)); }
  void bind(int i, unsigned v) { bind(i, static_cast<std::int64_t>(v)); }
  void bind(int i, double v) { keep(sqlite3_bind_double(stmt_, i, v)); }
  void bind_text(int i, std::string_view v) {
    keep(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
  void bind_blob(int i, std::string_view v) {
    keep(sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_STATIC));
  }

  // For a statement run many times in a row with mostly the same numbers
  // (the task write path): SQLite keeps bindings across resets, so these
  // bind only when the value differs from the one the last bind_again() of
  // parameter i left there. A bind costs about as much as a small row's
  // b-tree work. Never mix with bind() on the same parameter.
  void bind_again(int i, std::int64_t v) {
    if (Kept& k = kept(i); k.kind != Kept::kInt || k.bits != v) {
      if (keep(sqlite3_bind_int64(stmt_, i, v))) k = {Kept::kInt, v};
    }
  }
  void bind_again(int i, std::uint64_t v) { bind_again(i, static_cast<std::int64_t>(v)); }
  void bind_again(int i, int v) { bind_again(i, std::int64_t{v}); }
  void bind_again(int i, unsigned v) { bind_again(i, std::int64_t{v}); }
  void bind_again(int i, double v) {
    if (Kept& k = kept(i); k.kind != Kept::kReal || k.bits != std::bit_cast<std::int64_t>(v)) {
      if (keep(sqlite3_bind_double(stmt_, i, v))) k = {Kept::kReal, std::bit_cast<std::int64_t>(v)};
    }
  }

  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int step() {
    if (bind_rc_ != SQLITE_OK) return std::exchange(bind_rc_, SQLITE_OK);
    return sqlite3_step(stmt_);
  }
  void reset() {
    sqlite3_reset(stmt_);
    bind_rc_ = SQLITE_OK;
  }

  // Columns are numbered from 0.
  std::int64_t int64(int c) const { return sqlite3_column_int64(stmt_, c); }
  std::uint64_t uint64(int c) const { return static_cast<std::uint64_t>(int64(c)); }
  int int32(int c) const { return sqlite3_column_int(stmt_, c); }
  double real(int c) const { return sqlite3_column_double(stmt_, c); }
  bool is_null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::string_view text(int c) const;
  std::string_view blob(int c) const;

 private:
  // What bind_again() last bound to a parameter.
  struct Kept {
    enum Kind : std::uint8_t { kNone, kInt, kReal } kind = kNone;
    std::int64_t bits = 0;
  };

  explicit Statement(sqlite3_stmt* s) : stmt_(s) {}
  bool keep(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return rc == SQLITE_OK;
  }
  Kept& kept(int i) {
    const auto at = static_cast<std::size_t>(i);
    if (at >= kept_.size()) kept_.resize(at + 1);
    return kept_[at];
  }
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = SQLITE_OK;
  std::vector<Kept> kept_;  // by parameter number
};

}  // namespace baton::store
