// `baton top`: a live full-screen view of the queue (ncurses), refreshed
// about once a second from the broker's status and workers requests. Keys:
// q quit, s sort the running tasks, u filter by user, f filter by queue,
// c clear filters. When stdout is not a terminal it prints the view once as
// plain text. NO_COLOR turns colour off. The model is in top_model.*.
#include <curses.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "cmd/context.h"
#include "cmd/output.h"
#include "cmd/top_model.h"
#include "core/timefmt.h"

namespace baton::cli {

namespace {

struct TopFlags {
  double interval_s = 1.0;
  bool once = false;
  std::string user, queue;
};

volatile std::sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = 1; }

// Fetches one refresh; false with `error` set when the broker did not answer.
bool fetch(wire::Client& client, const TopFilter& filter, pb::StatusReply& status, pb::WorkersReply& workers,
           std::string& error) {
  pb::Envelope req, reply;
  pb::StatusRequest* s = req.mutable_status();
  s->set_all(true);
  if (!filter.user.empty()) s->set_user(filter.user);
  wire::ClientError err;
  if (!client.call(req, reply, err)) {
    error = err.message;
    return false;
  }
  status = reply.status_reply();
  pb::Envelope wreq, wreply;
  wreq.mutable_workers();
  if (!client.call(wreq, wreply, err)) {
    error = err.message;
    return false;
  }
  workers = wreply.workers_reply();
  return true;
}

enum Pair : short { kHead = 1, kGood, kBusy, kBad, kBar };

short state_pair(const std::string& state) {
  if (state == "idle" || state == "COMPLETED") return kGood;
  if (state == "mixed" || state == "busy" || state == "RUNNING") return kBusy;
  if (state == "lost" || state == "draining" || state == "FAILED") return kBad;
  return 0;
}

class Screen {
 public:
  explicit Screen(bool colour) {
    initscr();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    colour_ = colour && has_colors();
    if (colour_) {
      start_color();
      use_default_colors();
      init_pair(kHead, COLOR_CYAN, -1);
      init_pair(kGood, COLOR_GREEN, -1);
      init_pair(kBusy, COLOR_YELLOW, -1);
      init_pair(kBad, COLOR_RED, -1);
      init_pair(kBar, COLOR_GREEN, -1);
    }
  }
  ~Screen() { endwin(); }
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;

  void line(int y, const std::string& text, short pair = 0, bool bold = false) {
    if (y >= LINES) return;
    const int attrs = (colour_ && pair ? COLOR_PAIR(pair) : 0) | (bold ? A_BOLD : 0);
    if (attrs) attron(attrs);
    mvaddnstr(y, 0, text.c_str(), COLS);
    if (attrs) attroff(attrs);
  }
  // Asks for a line of text at the bottom (empty when cancelled).
  std::string prompt(const std::string& label) {
    echo();
    curs_set(1);
    timeout(-1);
    move(LINES - 1, 0);
    clrtoeol();
    addstr(label.c_str());
    char buf[128] = {};
    getnstr(buf, sizeof buf - 1);
    noecho();
    curs_set(0);
    return buf;
  }

 private:
  bool colour_ = false;
};

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

void draw(Screen& scr, const std::string& endpoint, const TopSnapshot& s, const Throughput& t, TopSort sort,
          const TopFilter& f, const std::string& error) {
  erase();
  int y = 0;
  std::string head = "baton top  " + endpoint + "  " + format_local_time(wall_now());
  if (!f.user.empty()) head += "  user=" + f.user;
  if (!f.queue.empty()) head += "  queue=" + f.queue;
  scr.line(y++, head, kHead, true);
  scr.line(y++, "q quit  s sort (" + std::string(sort_name(sort)) + ")  u user  f queue  c clear filters");
  if (!error.empty()) scr.line(y++, "broker: " + error, kBad, true);
  const TopCounts& c = s.total;
  scr.line(y++, "TASKS  pending " + std::to_string(c.pending) + "  running " + std::to_string(c.running) +
                    "  completed " + std::to_string(c.completed) + "  failed " + std::to_string(c.failed) +
                    "  cancelled " + std::to_string(c.cancelled) + "  timeout " + std::to_string(c.timeout));
  char rate[32];
  std::snprintf(rate, sizeof rate, "%7.1f/s", t.last());
  const std::size_t spark_w = COLS > 40 ? static_cast<std::size_t>(COLS - 30) : 10;
  scr.line(y++, std::string("THROUGHPUT ") + rate + "  [" + pad(t.sparkline(spark_w), std::min<std::size_t>(spark_w, 60)) + "]", kBar);
  ++y;
  scr.line(y++, pad("USER", 16) + pad("PENDING", 10) + pad("RUNNING", 10) + pad("DONE", 10) + "FAILED", kHead, true);
  for (const auto& [user, u] : s.by_user)
    scr.line(y++, pad(user, 16) + pad(std::to_string(u.pending), 10) + pad(std::to_string(u.running), 10) +
                      pad(std::to_string(u.completed), 10) + std::to_string(u.failed + u.timeout));
  ++y;
  scr.line(y++, pad("WORKER", 16) + pad("STATE", 10) + pad("LOAD", 24) + pad("CPUS", 8) + "TASKS", kHead, true);
  for (const TopWorker& w : s.workers)
    scr.line(y++, pad(w.name, 16) + pad(w.state, 10) + "[" + load_bar(w.cpus_used, w.cpus, 20) + "]  " +
                      pad(std::to_string(w.cpus_used) + "/" + std::to_string(w.cpus), 8) + std::to_string(w.tasks),
             state_pair(w.state));
  ++y;
  std::vector<TopRunning> rows = s.running;
  sort_running(rows, sort);
  scr.line(y++, pad("TASK", 14) + pad("USER", 12) + pad("WORKER", 16) + pad("ELAPSED", 12) + "NAME", kHead, true);
  for (const TopRunning& r : rows) {
    if (y >= LINES) break;
    scr.line(y++, pad(r.task, 14) + pad(r.user, 12) + pad(r.worker, 16) + pad(format_elapsed(r.elapsed_ms), 12) + r.name);
  }
  refresh();
}

int run_top(Context& ctx, const TopFlags& flags) {
  TopFilter filter{flags.user, flags.queue};
  auto client = ctx.client();
  Throughput through;
  pb::StatusReply status;
  pb::WorkersReply workers;
  std::string error;
  if (flags.once || !isatty(STDOUT_FILENO)) {
    if (!fetch(*client, filter, status, workers, error)) return ctx.fail(kUnreachable, error);
    const TopSnapshot snap = make_snapshot(status, workers, filter, wall_now());
    through.add(wall_now(), snap.total.finished());
    std::cout << render_plain(snap, through, TopSort::Elapsed);
    return kOk;
  }
  std::signal(SIGINT, on_stop);
  std::signal(SIGTERM, on_stop);
  Screen scr(use_colour());
  TopSort sort = TopSort::Elapsed;
  const TimeMs every = std::max<TimeMs>(100, static_cast<TimeMs>(flags.interval_s * 1000));
  TimeMs next = 0;
  TopSnapshot snap;
  while (!g_stop) {
    const TimeMs now = wall_now();
    if (now >= next) {
      error.clear();
      if (fetch(*client, filter, status, workers, error)) {
        snap = make_snapshot(status, workers, filter, now);
        through.add(now, snap.total.finished());
      } else {
        client = ctx.client();  // a fresh connection for the next try
      }
      next = now + every;
      draw(scr, client->endpoint(), snap, through, sort, filter, error);
    }
    timeout(100);
    const int key = getch();
    if (key == ERR) continue;
    if (key == 'q' || key == 'Q') break;
    if (key == 's') sort = next_sort(sort);
    else if (key == 'u') filter.user = scr.prompt("user (empty: everyone): ");
    else if (key == 'f') filter.queue = scr.prompt("queue (empty: every queue): ");
    else if (key == 'c') filter = TopFilter{};
    else if (key != KEY_RESIZE && key != 'r') continue;
    if (key == 's' || key == KEY_RESIZE) {
      draw(scr, client->endpoint(), snap, through, sort, filter, error);
      continue;
    }
    next = 0;  // filters changed (or 'r'): fetch now
  }
  return kOk;
}

}  // namespace

Runner install_top(CLI::App& sub, Context&) {
  auto f = std::make_shared<TopFlags>();
  sub.add_option("-n,--interval", f->interval_s, "Seconds between refreshes (default 1)");
  sub.add_option("-u,--user", f->user, "Only this user's jobs");
  sub.add_option("--queue", f->queue, "Only this queue's jobs and workers");
  sub.add_flag("--once", f->once, "Print the view once as plain text and exit (the default when not on a terminal)");
  sub.footer("Keys: q quit, s cycle the running tasks' sort (elapsed, job, user, worker), u filter by user,\n"
             "f filter by queue, c clear filters. NO_COLOR=1 turns colour off.");
  return [f](Context& ctx) { return run_top(ctx, *f); };
}

}  // namespace baton::cli
