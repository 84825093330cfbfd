// Progress of a run on stderr: one bar per task with done/total, ETA, samples/s and tok/s.
//
// On a terminal the bars are redrawn in place once a second; otherwise (a log file, CI) one plain
// line per task is printed every `plain_interval_s`, so logs stay readable. Independently, when no
// sample has finished for `stall_warn_s` seconds a warning line says so (a hung sandbox job, a
// stuck GPU), and repeats every stall_warn_s while the stall lasts.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace remedi::cli {

struct ProgressOptions {
  bool tty = false;               // redraw in place (ANSI); callers pass isatty(fileno(out))
  double stall_warn_s = 300;      // seconds without a finished sample before a warning
  double plain_interval_s = 10;   // seconds between plain status lines (non-tty)
  double tick_s = 1.0;            // redraw / check period, seconds
  std::FILE* out = stderr;
};

class Progress {
 public:
  // tasks: names in display order; totals: samples to do per task (this invocation), done: already
  // done before it (resume) — shown, but not counted in rates.
  Progress(std::vector<std::string> tasks, std::vector<int64_t> totals, std::vector<int64_t> done_before,
           ProgressOptions opts);
  ~Progress();  // stops the ticker and prints the final state
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void start();                                        // starts the ticker thread
  void add(size_t task, int64_t samples, int64_t tokens);  // samples finished (scored and written)
  void stop();                                         // final redraw; idempotent
  std::string render_line(size_t task) const;          // one task's line (tests)
  int64_t stall_warnings() const;                      // warnings printed so far

 private:
  using Clock = std::chrono::steady_clock;
  void loop();
  void draw(bool final_draw);
  std::string line_locked(size_t t, Clock::time_point now) const;

  std::vector<std::string> tasks_;
  std::vector<int64_t> total_, before_, done_, tokens_;
  // Tasks run one after another, so a task's rates count from when its work began: the last
  // completion of any task before its own first one (or the start).
  std::vector<Clock::time_point> task_start_;
  std::vector<bool> task_started_;
  ProgressOptions opts_;
  Clock::time_point start_, last_finish_, last_plain_, last_warn_;  // last_finish_: any task
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, started_ = false, drawn_ = false;
  int64_t warnings_ = 0;
  std::thread thread_;
};

}  // namespace remedi::cli
