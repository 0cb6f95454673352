// Writes real wire messages into DIR as seeds for fuzz_envelope: each file is
// "\x04" "BTN1" followed by an encoded Envelope (see fuzz_envelope.cpp).
// Usage: make_envelope_seeds DIR
#include <fstream>
#include <iostream>
#include <string>

#include "transport/frame.h"

using baton::pb::Envelope;

namespace {

void fill_spec(baton::pb::JobSpec* s) {
  s->set_name("render");
  s->set_user("ann");
  s->set_uid(1000);
  s->add_argv("frame");
  s->add_argv("7");
  s->set_script("#!/bin/bash\n#BATON -J render -a 0-99%10 -t 30\nrender frame \"$BATON_ARRAY_TASK_ID\"\n");
  s->set_script_path("/home/ann/render.sh");
  s->set_cwd("/home/ann");
  s->add_env("PATH=/usr/bin:/bin");
  s->add_env("HOME=/home/ann");
  s->set_stdout_pattern("render-%A_%4a.out");
  s->set_open_append(true);
  s->mutable_resources()->set_cpus(4);
  s->mutable_resources()->set_mem_mb(8192);
  s->mutable_resources()->set_gpus(1);
  (*s->mutable_resources()->mutable_named())["license"] = 2;
  s->set_queue("gpu");
  (*s->mutable_constraints())["rack"] = "a";
  s->set_time_limit_s(1800);
  s->set_priority(5);
  s->set_nice(10);
  s->set_retries(2);
  s->set_retry_delay_ms(1000);
  s->set_dependency("afterok:41:40,afterany:43");
  s->set_array("0-99:4");
  s->set_throttle(10);
  s->set_begin_ms(1764000000000);
  s->set_warn_signal(10);
  s->set_warn_before_s(60);
  s->set_kill_on_invalid_dep(true);
  s->set_submit_host("laptop");
  s->set_submit_dir("/home/ann");
}

void task(baton::pb::TaskRef* t, std::uint64_t job, std::uint32_t index, std::uint32_t attempt) {
  t->set_job(job);
  t->set_index(index);
  t->set_attempt(attempt);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_envelope_seeds DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  int n = 0;
  auto write = [&](const std::string& name, Envelope& env, std::uint64_t request_id) {
    env.set_request_id(request_id);
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out << '\x04' << baton::wire::kSignature << baton::wire::encode(env);
    ++n;
  };

  {
    Envelope e;
    auto* r = e.mutable_register_();
    r->set_name("node1");
    r->set_host("node1.example");
    r->mutable_capacity()->set_cpus(8);
    r->mutable_capacity()->set_mem_mb(32768);
    r->mutable_capacity()->set_gpus(2);
    (*r->mutable_capacity()->mutable_named())["license"] = 4;
    r->add_queues("default");
    r->add_queues("gpu");
    (*r->mutable_labels())["rack"] = "a";
    r->set_weight(2);
    r->add_gpu_ids(0);
    r->add_gpu_ids(1);
    auto* run = r->add_running();
    task(run->mutable_task(), 42, 7, 1);
    run->set_start_ms(1764000000000);
    auto* res = r->add_unacked();
    task(res->mutable_task(), 41, 0, 2);
    res->set_outcome(baton::pb::EXITED);
    res->set_exit_code(1);
    res->set_start_ms(1764000000000);
    res->set_end_ms(1764000060000);
    res->set_max_rss_kb(20480);
    res->set_cpu_ms(5000);
    r->set_version("0.1.0");
    write("register", e, 0);
  }
  {
    Envelope e;
    task(e.mutable_heartbeat()->add_running(), 42, 7, 1);
    task(e.mutable_heartbeat()->add_running(), 43, 0, 1);
    write("heartbeat", e, 0);
  }
  {
    Envelope e;
    task(e.mutable_started()->mutable_task(), 42, 7, 1);
    e.mutable_started()->set_start_ms(1764000000000);
    write("started", e, 0);
  }
  {
    Envelope e;
    auto* r = e.mutable_finished()->mutable_result();
    task(r->mutable_task(), 42, 7, 1);
    r->set_outcome(baton::pb::LAUNCH_FAILED);
    r->set_exit_code(127);
    r->set_error("cannot open output file render-42_0007.out: No such file or directory");
    write("finished", e, 0);
  }
  {
    Envelope e;
    auto* a = e.mutable_assign()->add_tasks();
    task(a->mutable_task(), 42, 8, 1);
    fill_spec(a->mutable_spec());
    a->add_gpus(1);
    a->set_array_count(25);
    a->set_array_max(96);
    a->set_is_array(true);
    write("assign", e, 0);
  }
  {
    Envelope e;
    fill_spec(e.mutable_submit()->mutable_spec());
    write("submit", e, 1);
  }
  {
    Envelope e;
    auto* s = e.mutable_status();
    s->add_targets("42");
    s->add_targets("43_[1-5,9]");
    s->set_all(true);
    s->set_user("ann");
    write("status", e, 2);
  }
  {
    Envelope e;
    e.mutable_cancel()->add_targets("42_7");
    e.mutable_cancel()->set_signal(10);
    e.mutable_cancel()->set_user("ann");
    write("cancel", e, 3);
  }
  {
    Envelope e;
    e.mutable_hold()->add_targets("44");
    e.mutable_hold()->set_hold(true);
    write("hold", e, 4);
  }
  {
    Envelope e;
    auto* u = e.mutable_update();
    u->set_target("44");
    (*u->mutable_fields())["time"] = "2-12";
    (*u->mutable_fields())["begin"] = "now+1h";
    (*u->mutable_fields())["throttle"] = "5";
    u->set_user("ann");
    u->set_uid(1000);
    write("update", e, 5);
  }
  {
    Envelope e;
    e.mutable_wait()->add_targets("42");
    e.mutable_wait()->set_any(true);
    write("wait", e, 6);
  }
  {
    Envelope e;
    e.mutable_workers()->set_drain("node1");
    write("workers", e, 7);
  }
  {
    Envelope e;
    e.mutable_explain()->set_target("42_7");
    write("explain", e, 8);
  }
  {
    Envelope e;
    auto* h = e.mutable_history();
    h->set_since_ms(1764000000000);
    h->set_limit(10);
    h->add_states(baton::pb::FAILED);
    h->add_jobs(41);
    h->set_name("render");
    write("history", e, 9);
  }
  {
    Envelope e;
    e.mutable_ping();
    write("ping", e, 10);
  }
  {
    Envelope e;
    e.mutable_kill()->mutable_task()->set_job(42);
    e.mutable_kill()->set_signal(15);
    e.mutable_kill()->set_terminate(true);
    write("kill", e, 0);
  }
  {
    Envelope e;
    e.mutable_logs()->set_target("42_7");
    e.mutable_logs()->set_want_stderr(true);
    e.mutable_logs()->set_tail_lines(20);
    write("logs", e, 11);
  }
  {
    Envelope e;
    auto* r = e.mutable_read_log();
    r->set_read_id(3);
    r->set_path("/home/ann/render-42_0007.out");
    r->set_offset(65536);
    r->set_max_bytes(65536);
    r->set_user("ann");
    write("read_log", e, 0);
  }
  {
    Envelope e;
    auto* c = e.mutable_log_chunk();
    c->set_read_id(3);
    c->set_data(std::string("frame 7 done\n\0\xff", 15));
    c->set_offset(65536);
    c->set_size(65551);
    write("log_chunk", e, 0);
  }
  std::cerr << "wrote " << n << " seeds to " << dir << "\n";
  return 0;
}
