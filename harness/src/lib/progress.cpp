#include "progress.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

namespace remedi::cli {

Progress::Progress(std::vector<std::string> tasks, std::vector<int64_t> totals, std::vector<int64_t> done_before,
                   ProgressOptions opts)
    : tasks_(std::move(tasks)), total_(std::move(totals)), before_(std::move(done_before)), opts_(opts) {
  done_.assign(tasks_.size(), 0);
  tokens_.assign(tasks_.size(), 0);
  total_.resize(tasks_.size(), 0);
  before_.resize(tasks_.size(), 0);
  start_ = last_finish_ = last_plain_ = last_warn_ = Clock::now();
  task_start_.assign(tasks_.size(), start_);
  task_started_.assign(tasks_.size(), false);
}

Progress::~Progress() { stop(); }

void Progress::start() {
  std::lock_guard<std::mutex> l(mu_);
  if (started_) return;
  started_ = true;
  start_ = last_finish_ = last_plain_ = last_warn_ = Clock::now();
  task_start_.assign(tasks_.size(), start_);
  thread_ = std::thread([this] { loop(); });
}

void Progress::add(size_t task, int64_t samples, int64_t tokens) {
  std::lock_guard<std::mutex> l(mu_);
  if (task >= tasks_.size()) return;
  if (!task_started_[task]) {
    task_started_[task] = true;
    task_start_[task] = last_finish_;
  }
  done_[task] += samples;
  tokens_[task] += tokens;
  last_finish_ = Clock::now();
}

int64_t Progress::stall_warnings() const {
  std::lock_guard<std::mutex> l(mu_);
  return warnings_;
}

static std::string hms(double s) {
  if (!(s >= 0) || s > 99 * 3600) return "--:--";
  int64_t t = static_cast<int64_t>(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60) : fmt::format("{:02}:{:02}", t / 60, t % 60);
}

std::string Progress::line_locked(size_t t, Clock::time_point now) const {
  const double el = std::chrono::duration<double>(now - task_start_[t]).count();
  const int64_t all = before_[t] + total_[t], have = before_[t] + done_[t];
  const double frac = all > 0 ? static_cast<double>(have) / all : 1.0;
  const double sps = el > 0 ? done_[t] / el : 0, tps = el > 0 ? tokens_[t] / el : 0;
  const double eta = done_[t] > 0 ? (total_[t] - done_[t]) / sps : -1;
  constexpr int kWidth = 24;
  const int fill = static_cast<int>(frac * kWidth + 1e-9);
  std::string bar(static_cast<size_t>(fill), '#');
  bar.resize(kWidth, '.');
  return fmt::format("{:<14} [{}] {:>5}/{:<5} {:5.1f}%  ETA {:>8}  {:6.2f} samples/s  {:7.1f} tok/s", tasks_[t], bar,
                     have, all, 100 * frac, done_[t] >= total_[t] ? "done" : hms(eta), sps, tps);
}

std::string Progress::render_line(size_t task) const {
  std::lock_guard<std::mutex> l(mu_);
  return line_locked(task, Clock::now());
}

void Progress::draw(bool final_draw) {
  // Caller holds mu_.
  const auto now = Clock::now();
  std::string text;
  if (opts_.tty) {
    if (drawn_) text += fmt::format("\x1b[{}A", tasks_.size());  // cursor up over the previous bars
    for (size_t t = 0; t < tasks_.size(); ++t) text += "\r\x1b[2K" + line_locked(t, now) + "\n";
    drawn_ = true;
  } else if (final_draw || std::chrono::duration<double>(now - last_plain_).count() >= opts_.plain_interval_s) {
    for (size_t t = 0; t < tasks_.size(); ++t) text += "progress: " + line_locked(t, now) + "\n";
    last_plain_ = now;
  }
  const double idle = std::chrono::duration<double>(now - last_finish_).count();
  const double since_warn = std::chrono::duration<double>(now - last_warn_).count();
  bool unfinished = false;
  for (size_t t = 0; t < tasks_.size(); ++t) unfinished = unfinished || done_[t] < total_[t];
  if (!final_draw && unfinished && idle >= opts_.stall_warn_s && since_warn >= opts_.stall_warn_s) {
    text += fmt::format("warning: no sample finished for {:.0f} s (--stall-warn {:g}); generation or a sandbox "
                        "job may be stuck\n", idle, opts_.stall_warn_s);
    last_warn_ = now;
    ++warnings_;
    drawn_ = false;  // the warning line moved the bars down: redraw below it
  }
  if (!text.empty()) {
    std::fputs(text.c_str(), opts_.out);
    std::fflush(opts_.out);
  }
}

void Progress::loop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    cv_.wait_for(l, std::chrono::duration<double>(opts_.tick_s));
    if (stop_) break;
    draw(false);
  }
}

void Progress::stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> l(mu_);
  if (started_) draw(true);
}

}  // namespace remedi::cli
