// ThreadSanitizer reports, parsed out of a worker's TSan log into a stable signature.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace pyrace {

// One stack frame of a report, normalised: CPython source paths from their top folder on
// (Objects/dictobject.c, whatever tree the interpreter was built in), other paths by file name.
struct TsanFrame {
  std::string function;  // "<null>" when the symboliser did not know it
  std::string file;      // empty when unknown
  int line = 0;          // 0 when unknown
  std::string module;    // the binary or library: libpython3.14t.so.1.0, pyrace, ...
};

// One access of the racing pair (or of a use-after-free ...).
struct TsanAccess {
  std::string kind;    // "Write", "Previous read", "Atomic write" ...
  std::string thread;  // "main" or "T1", "T2" ...
  std::vector<TsanFrame> frames;  // top first
};

struct TsanReport {
  std::string type;                                // "data race", "heap-use-after-free", ...
  std::vector<std::vector<std::string>> accesses;  // per access (the racing pair): function names, top first
  std::string signature;                           // type: top frames of both accesses, sorted
  std::string text;                                // the whole report
  std::vector<TsanAccess> stacks;                  // the same accesses with files, lines and threads
  std::map<std::string, std::string> thread_names;  // "T1" -> its name ("actor-1"), when it had one
};

// A suppression that matched while the worker ran, from TSan's exit statistics.
struct TsanSuppression {
  std::string suppression;  // "race:_PyObject_GC_..." as written in the suppressions file
  long count = 0;           // reports it silenced
};

// Every "WARNING: ThreadSanitizer: ..." block in a log.
std::vector<TsanReport> parse_tsan_log(const std::string& log);

// The "ThreadSanitizer: Matched N suppressions" block TSan prints when it finalises with
// print_suppressions=1 (it prints nothing when none matched).
std::vector<TsanSuppression> parse_tsan_suppressions(const std::string& log);

// One frame line of a report ("#3 func /path/file.c:12:5 (lib.so+0x12) (BuildId: ..)"),
// without the "#N"; false when the line is not a frame.
bool parse_tsan_frame(const std::string& line, TsanFrame& out);

// The CPython-relative (or bare) file name of a source path.
std::string normalise_source_path(const std::string& path);

// "function file:line" (or the function alone when the file is unknown).
std::string format_frame(const TsanFrame& f);

// The first frames of an access that are not TSan's own runtime (interceptors name no culprit).
std::vector<TsanFrame> culprit_frames(const TsanAccess& a, size_t n);

// The Python-level side of a run: which case, and which thread ran what.
struct TsanContext {
  std::string case_name;
  int threads = 0;                   // actor threads of the run
  std::vector<std::string> actors;   // named actors in thread order; empty: one actor() on every thread
};

// Who a TSan thread was in pyrace: "main thread (actor 0, setup, arbiter)", "T1 (actor 1)" ...
std::string describe_thread(const std::string& thread, const TsanReport& r, const TsanContext& ctx);

// The verdict message: each distinct race once, with its count and, per access, the thread
// (and the actor it ran) and the top frames (function file:line).
std::string tsan_message(const std::vector<TsanReport>& reports, const TsanContext& ctx);

// A report cut to its top `frames` frames per stack, with normalised paths and without the
// creation stacks of threads (pyrace's own actor pool): what the console shows.
std::string trimmed_report(const TsanReport& r, size_t frames);

}  // namespace pyrace
