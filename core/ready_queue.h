// The jobs that may start now, in the order the configured policy wants:
//   priority  - priority, then nice, then submit order, with aging;
//   fifo      - submit order;
//   sjf       - shortest time limit first (no limit counts as longest);
//   fairshare - the user with the least decayed usage first, then priority.
//
// Every key is fixed while a job is queued, so insert, erase and taking the
// head are O(log n). Aging keeps keys fixed because every job ages at the same
// rate: priority + w*(now - submit) orders like priority*H - w*submit.
// Fair-share usage decays by half every half-life; comparing usage scaled to a
// common reference time keeps that order fixed between charges too.
#pragma once

#include <cstdint>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/job.h"

namespace baton {

class ReadyQueue {
 public:
  struct Entry {
    std::int64_t a = 0;
    std::int64_t b = 0;
    JobId id = 0;
    auto operator<=>(const Entry&) const = default;
  };

  explicit ReadyQueue(const SchedulerConfig& cfg, TimeMs start);

  void insert(Job& job);            // computes job.order_a/b
  void erase(const Job& job);
  std::size_t size() const { return size_; }
  // Entries ahead of this job (its 0-based position). O(n); for `explain` only.
  std::size_t position(const Job& job) const;

  // Fair share. charge() adds cpu-seconds of use at `at`; usage() is the
  // decayed total at `now`. Both are cheap for any policy.
  void charge(const std::string& user, double cpu_seconds, TimeMs at);
  double usage(const std::string& user, TimeMs now) const;

  // A walk over the queue in policy order for one scheduling pass. Between
  // steps the current job may be dispatched from, skipped, or removed.
  class Walk {
   public:
    explicit Walk(ReadyQueue& q);
    bool done() const { return heap_.empty(); }
    JobId current() const;
    void skip();            // leave it queued; move on
    void remove();          // erase it from the queue; move on
    void recharged();       // the current user's usage changed: re-rank
   private:
    struct Cursor {
      std::string user;
      std::set<Entry>* entries;   // its bucket's; map nodes do not move
      std::set<Entry>::iterator it;
    };
    struct Rank {
      double usage;
      std::size_t cursor;
      bool operator>(const Rank& o) const {
        return usage != o.usage ? usage > o.usage : cursor > o.cursor;
      }
    };
    void settle();          // drop exhausted cursors from the top
    ReadyQueue& q_;
    std::vector<Cursor> cursors_;
    std::priority_queue<Rank, std::vector<Rank>, std::greater<Rank>> heap_;
  };

 private:
  struct Bucket {
    std::set<Entry> entries;
  };
  const std::string& bucket_of(const Job& job) const;
  double scale(TimeMs at) const;
  void rebase(TimeMs at);

  const SchedulerConfig& cfg_;
  std::map<std::string, Bucket> buckets_;     // by user under fairshare, else one ""
  std::map<std::string, double> usage_;       // cpu-seconds scaled to ref_
  TimeMs ref_;
  std::size_t size_ = 0;
};

}  // namespace baton
