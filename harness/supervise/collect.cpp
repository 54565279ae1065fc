#include "supervise/collect.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/core.h>

#include "supervise/linux.hpp"

namespace pyrace {

using nlohmann::json;

namespace {

// The worker's output, at most `limit` bytes: its beginning (where faulthandler puts the Python
// stacks) and its end (the last words before it died), with the middle cut out.
std::string read_output(int fd, size_t limit) {
  off_t size = ::lseek(fd, 0, SEEK_END);
  if (size <= 0) return "";
  auto read_at = [&](off_t from, size_t n) {
    std::string buf(n, '\0');
    ssize_t got = ::pread(fd, buf.data(), n, from);
    buf.resize(got > 0 ? static_cast<size_t>(got) : 0);
    std::erase(buf, '\0');  // holes left by cutting back a worker's output
    return buf;
  };
  if (static_cast<size_t>(size) <= limit) return read_at(0, static_cast<size_t>(size));
  const size_t head = limit / 2, tail = limit - head;
  return read_at(0, head) + "\n[... " + std::to_string(size - static_cast<off_t>(limit)) + " bytes cut ...]\n" +
         read_at(size - static_cast<off_t>(tail), tail);
}

#ifdef PYRACE_TSAN_SUPPRESSIONS
// The reports in the worker's TSan log (and, when it finalised, the suppressions that matched).
void harvest_tsan(const WorkerProcess& p, int status, WorkerOutcome& w) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(p.tsan_dir, ec)) {
    std::ifstream f(entry.path());
    std::string log((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (auto& t : parse_tsan_log(log)) w.tsan.push_back(std::move(t));
    w.tsan_log += log;
  }
  std::filesystem::remove_all(p.tsan_dir, ec);
  // Only a worker that exited by itself went through TSan's finaliser; a killed one says nothing.
  w.tsan_finalised = p.finalising && WIFEXITED(status) && !w.timed_out && !w.interrupted;
  if (w.tsan_finalised) w.tsan_suppressed = parse_tsan_suppressions(w.tsan_log);
}
#endif

// The worker writes a "loaded" line before running and the final result after; later keys
// win. A killed worker leaves at most the first: "status" is then missing.
void parse_channel(const std::string& data, WorkerOutcome& w) {
  size_t start = 0;
  while (start < data.size()) {
    size_t nl = data.find('\n', start);
    if (nl == std::string::npos) break;  // a torn last line (killed mid-write) is ignored
    json line = json::parse(data.substr(start, nl - start), nullptr, false);
    if (line.is_object()) w.result.update(line);
    else if (w.stray.empty()) w.stray = data.substr(start, std::min<size_t>(nl - start, 60));
    start = nl + 1;
  }
  // Text without an end of line after the last result: torn by a kill, or not pyrace's at all.
  if (start < data.size() && w.stray.empty() && !(w.signal && data[start] == '{'))
    w.stray = data.substr(start, std::min<size_t>(data.size() - start, 60));
}

// The Python-level side of a TSan report: the case, and which actor each thread ran.
TsanContext tsan_context(const Record& r) {
  return TsanContext{r.name, r.config.threads, r.named_actors ? r.actors : std::vector<std::string>{}};
}

// The record's fields as the worker's JSON gives them, before its status is decided.
Record record_fields(const WorkerOutcome& w, const std::string& path, const std::string& name, const Config& cfg) {
  Record r;
  r.name = name;
  r.path = path;
  r.config = cfg;
  r.wall_s = w.wall_s;
  r.signal = w.signal;
  r.exit_code = w.exit_code;
  const json& j = w.result;
  if (j.contains("case")) fill_from_case(r, j["case"]);
  if (cfg.mode == "explore" && j.contains("case")) r.expect = j["case"].value("explore_expect", r.expect);
  if (j.contains("effective")) {
    r.config.threads = j["effective"].value("threads", cfg.threads);
    r.config.iterations = j["effective"].value("iterations", cfg.iterations);
    r.config.trials = j["effective"].value("trials", cfg.trials);
  }
  if (j.contains("run")) apply_run_fields(r, j["run"]);
  if (j.contains("explore")) {  // schedules are the trials of an explore run; its outcomes count schedules
    r.explore = j["explore"];
    apply_run_fields(r, json{{"trials", r.explore.value("schedules", 0L)},
                             {"outcomes", r.explore.value("outcomes", json::array())},
                             {"raised", r.explore.value("raised", json::array())},
                             {"elapsed_s", r.explore.value("elapsed_s", 0.0)},
                             {"stop_reason", r.explore.value("stop_reason", "")}});
    if (j.contains("case")) r.config.threads = r.explore.value("threads", r.config.threads);
    r.config.iterations = r.explore.value("iterations", r.config.iterations);
  }
  r.tsan = w.tsan;
  r.tsan_suppressed = w.tsan_suppressed;
  r.tsan_suppressed_collected = w.tsan_finalised;
  r.python = j.value("python", "");
#ifdef PYRACE_TSAN_SUPPRESSIONS
  r.tsan_build = true;  // a KNOWN_BUG whose verdict is TSAN can only show here
#endif
  r.message = j.value("message", "");
  r.line = j.value("line", 0);
  r.traceback = j.value("traceback", "");
  r.gil_modules = j.value("gil_modules", std::vector<std::string>{});
  return r;
}

// The status from how the worker ended: stopped, deadlock or timeout, its own, or a crash.
void set_status(Record& r, const WorkerOutcome& w, const SuperviseOptions& opts) {
  const json& j = w.result;
  if (w.timed_out && w.stopped) {
    r.status = "timeout";
    r.message = fmt::format(
        "the worker process was stopped by a signal ({}) and was still stopped after {:g} s (--timeout): "
        "it does not hang, it was stopped (os.kill(os.getpid(), signal.SIGSTOP) in case code, or kill -STOP "
        "from outside); pyrace continued it with SIGCONT to collect every thread's Python stack (below)",
        w.stop_signal ? signal_name(w.stop_signal) : std::string("SIGSTOP, SIGTSTP, SIGTTIN or SIGTTOU"),
        opts.timeout_s);
    r.output_tail = w.output_tail;
  } else if (w.timed_out) {
    r.status = w.cpu_idle ? "deadlock" : "timeout";
    r.message =
        fmt::format("{} after {:g} s (--timeout); every thread's Python stack is in the output below",
                    w.cpu_idle ? "deadlock: no progress and no CPU used" : "timeout: still running", opts.timeout_s);
    r.output_tail = w.output_tail;
  } else if (j.contains("status")) {
    r.status = j["status"].get<std::string>();
    if (r.status != "ok") r.output_tail = w.output_tail;
  } else {
    r.status = "crash";
    r.message = w.signal ? "the worker died of " + signal_name(w.signal) + " (" + strsignal(w.signal) + ")"
                         : "the worker exited with status " + std::to_string(w.exit_code) +
                               " before writing a result (sys.exit/os._exit in case code, or a fatal error)";
    if (!w.stray.empty())
      r.message =
          "the case wrote to pyrace's result channel (a pipe the worker keeps on a high descriptor; it "
          "held \"" +
          w.stray + "\", which is not pyrace's JSON), so the result was lost; " + r.message;
    r.output_tail = w.output_tail;
  }
}

// What the message adds before grading: TSan's races, and which limit the worker reached.
void add_notes(Record& r, const WorkerOutcome& w, const Config& cfg, const SuperviseOptions& opts) {
  if (!r.tsan.empty() && r.status == "ok") {
    r.message = tsan_message(r.tsan, tsan_context(r));
    r.output_tail = r.tsan.front().text;
  } else if (!r.tsan.empty()) {
    // A crash (or hang) that TSan saw coming: its races often name the cause.
    r.message += (r.message.empty() ? "" : "\n") + tsan_message(r.tsan, tsan_context(r));
  }
  if (r.status == "crash" && w.signal == SIGXCPU)
    r.message += "; the CPU time limit (--max-cpu " + std::to_string(opts.max_cpu_s) + " s) was reached";
  if (r.message.find("MemoryError") != std::string::npos)
    r.message +=
        " (the worker's memory limit is --max-memory " + std::to_string(memory_limit_mib(opts, cfg.threads)) + " MiB)";
  if (w.output_cut)
    r.message += (r.message.empty() ? "" : "; ") + std::string("the case wrote more than --max-output ") +
                 std::to_string(opts.max_output_mib) + " MiB to stdout/stderr: only the end was kept";
}

// What the message says once graded: explore's summary, and a KNOWN_BUG that showed, did not, or does not apply.
void add_graded_notes(Record& r) {
  if (r.config.mode == "explore" && r.status == "ok") r.message = explore_summary(r);
  if (r.xfail)
    r.message = "known interpreter bug " + r.known_bug_issue + " (affects " + r.known_bug_affects + "): " +
                (r.message.empty() ? std::string("verdict ") + to_string(r.verdict) + " as recorded" : r.message);
  if (r.xpass)
    r.message = "KNOWN_BUG " + r.known_bug_issue +
                " did not show: this build gives the verdict EXPECT names, so "
                "the bug looks fixed here; update the case (drop KNOWN_BUG or narrow \"affects\")";
  if (!r.known_bug_verdict.empty() && !r.known_bug_applies && r.expectation_applies && r.config.mode != "explore") {
    const std::string why = r.known_bug_verdict == to_string(Verdict::Tsan) && !r.tsan_build
                                ? "a race report needs a TSan build"
                                : "affects " + r.known_bug_affects + ", not this interpreter";
    r.message = (r.message.empty() ? "" : r.message + "; ") + "KNOWN_BUG " + r.known_bug_issue + " does not apply (" +
                why + "): graded against EXPECT";
  }
}

}  // namespace

void collect_worker(const WorkerProcess& p, const WorkerEnd& end, const SuperviseOptions& opts, WorkerOutcome& w) {
  if (WIFSIGNALED(end.status)) w.signal = WTERMSIG(end.status);
  if (WIFEXITED(end.status)) w.exit_code = WEXITSTATUS(end.status);
  struct stat st{};
  if (::fstat(p.output_fd, &st) == 0 && st.st_size > (static_cast<off_t>(opts.max_output_mib) << 20))
    w.output_cut = true;
  w.output_tail = read_output(p.output_fd, opts.output_tail);
#ifdef PYRACE_TSAN_SUPPRESSIONS
  harvest_tsan(p, end.status, w);
#endif
  ::close(p.output_fd);
  parse_channel(end.channel, w);
  // A result that arrived complete wins over a timeout declared while it was being written.
  // Not so for a stopped worker: it only went on because pyrace continued it to get its stacks.
  if (w.timed_out && !w.stopped && w.result.contains("status")) w.timed_out = false;
}

void fill_from_case(Record& r, const json& c) {
  r.actors = c.value("actors", std::vector<std::string>{});
  r.expect = c.value("expect", "");
  r.shape = c.value("shape", "");
  r.doc = c.value("doc", "");
  apply_known_bug(r, c.value("known_bug", json()));
  r.fix = c.value("fix", "");
  auto actors = c.value("actors", json::array());
  r.named_actors = !(actors.size() == 1 && actors[0] == "actor");
  if (c.contains("classic") && c["classic"].is_array() && c["classic"].size() == 2) {
    r.classic_row = c["classic"][0].get<std::string>();
    r.classic_quoted = c["classic"][1].get<std::string>();
  }
}

Record record_from_worker(const WorkerOutcome& w, const std::string& path, const std::string& name, const Config& cfg,
                          const SuperviseOptions& opts) {
  Record r = record_fields(w, path, name, cfg);
  set_status(r, w, opts);
  add_notes(r, w, cfg, opts);
  grade_record(r);
  add_graded_notes(r);
  return r;
}

}  // namespace pyrace
