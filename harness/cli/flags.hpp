// Command-line flags, declared once in a table and expanded into the options struct, the
// parser and the help text (CLI11 renders the help from the same entries).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "results/names.hpp"  // kMaxThreads and the defaults named in the help

namespace CLI {
class App;
}

namespace pyrace {

// Exit codes (documented in README.md and `pyrace --help`).
inline constexpr int kExitOk = 0;        // every verdict as expected
inline constexpr int kExitMismatch = 1;  // some verdict differs from EXPECT (or ERROR/CRASH/...)
inline constexpr int kExitUsage = 2;     // bad flags, missing paths, unwritable output
inline constexpr int kExitEnv = 3;       // no usable free-threaded interpreter, GIL on at startup
// Some GIL-off result EXPECTed safe is INCONCLUSIVE (too little evidence for SAFE), nothing is
// worse, and --allow-inconclusive was not given. A mismatch or an error (1) outranks it: 4 means
// "nothing is wrong, the run was too small", which a CI job can act on by running longer.
inline constexpr int kExitInconclusive = 4;
inline constexpr int kExitInterrupted = 130;  // SIGINT/SIGTERM: partial results were written

// --max-memory: a size in MiB, given with a unit (K, M, G, T; KiB ... TiB; powers of 1024) or as
// a plain number of MiB.
struct MemorySize {
  long mib = 0;
};
inline constexpr long kMaxMemoryMib = 1L << 30;  // 1 PiB: far past any machine, and no overflow in bytes

// Parses TEXT into whole MiB (rounded up: RLIMIT_DATA below 1 MiB is no use to an interpreter).
// On failure returns false and sets error to a message for the user.
bool parse_memory_size(const std::string& text, long& mib, std::string& error);

// The subcommands that take a flag: the last column of the table, as in libFuzzer's FuzzerFlags.def.
struct In {
  enum : unsigned {
    Run = 1u << 0,
    List = 1u << 1,
    Report = 1u << 2,
    Explain = 1u << 3,
    Table = 1u << 4,
    Explore = 1u << 5,
    Replay = 1u << 6,
    Repro = 1u << 7,
    Sweep = 1u << 8
  };
};

// X(type, field, default, flag names, help, CLI11 validator, subcommands)
#define PYRACE_RUN_FLAGS(X)                                                                                            \
  X(std::vector<int>, threads, {}, "-t,--threads",                                                                     \
    "actor threads for cases with one actor() (default: the case's THREADS, else " + std::to_string(kDefaultThreads) + \
        "); run: a comma list sweeps, e.g. 2,4,8",                                                                     \
    CLI::Range(1, kMaxThreads), In::Run | In::Explain | In::Table | In::Explore | In::Replay | In::Repro)              \
  X(long, iterations, 0, "-n,--iterations",                                                                            \
    "loop cases: calls of the actor per thread per trial (default: ITERATIONS, else " +                                \
        std::to_string(kDefaultIterations) + ")",                                                                      \
    CLI::Range(1L, 1000000000L), In::Run | In::Explore | In::Replay | In::Repro)                                       \
  X(long, trials, 0, "--trials",                                                                                       \
    "graded outcomes to collect per case (default: TRIALS, else " + std::to_string(kDefaultTrialsLoop) +               \
        " for loop cases, " + std::to_string(kDefaultTrialsSingle) + " for single-shot)",                              \
    CLI::Range(1L, 1000000000000L), In::Run | In::Explain | In::Table | In::Sweep)                                     \
  X(double, time_budget, kDefaultTimeBudgetS, "--time-budget",                                                         \
    "seconds of collection per case and configuration, at most", CLI::Range(0.001, 86400.0),                           \
    In::Run | In::Explain | In::Explore | In::Repro | In::Sweep)                                                       \
  X(double, max_rate, 0.0, "--max-rate",                                                                               \
    fmt::format("SAFE needs the 95% upper bound on the error rate, over the trials in which the actors overlapped, "   \
                "at or below R (0 < R < 1; default: {:g} for loop cases, {:g} for single-shot)",                       \
                kDefaultMaxRateLoop, kDefaultMaxRateSingle),                                                           \
    max_rate_check(), In::Run | In::Explain | In::Table | In::Sweep)                                                   \
  X(bool, allow_inconclusive, false, "--allow-inconclusive",                                                           \
    "exit 0, not 4, when a case EXPECTed safe is INCONCLUSIVE (no FORBIDDEN outcome, but too little evidence "         \
    "for SAFE); JUnit reports it skipped instead of failed",                                                           \
    CLI::Validator(), In::Run | In::Report | In::Explain | In::Table | In::Sweep)                                      \
  X(bool, early_stop, false, "--early-stop", "stop a case at its first FORBIDDEN outcome (enough to call it RACY)",    \
    CLI::Validator(), In::Run | In::Sweep)                                                                             \
  X(double, timeout, 120.0, "--timeout", "seconds before a worker is killed and reported TIMEOUT/DEADLOCK",            \
    CLI::Range(0.1, 86400.0), In::Run | In::List | In::Explore | In::Replay | In::Repro | In::Sweep)                   \
  X(MemorySize, max_memory, {}, "--max-memory",                                                                        \
    "writable memory per worker (RLIMIT_DATA), past which allocations raise MemoryError: a size with a unit "          \
    "(512M, 2G, 1.5GiB; K, M, G, T, powers of 1024) or a plain number of MiB; 0: 4096 MiB + 64 MiB per actor "         \
    "thread (thread stacks and per-thread heaps)",                                                                     \
    MemorySizeCheck(), In::Run | In::Sweep)                                                                            \
  X(long, max_cpu, 0, "--max-cpu", "CPU seconds per worker (RLIMIT_CPU); 0: no limit besides --timeout",               \
    CLI::Range(0L, 1L << 30), In::Run | In::Sweep)                                                                     \
  X(long, max_output, 64, "--max-output", "MiB of stdout+stderr a worker may write; past it, its output is cut",       \
    CLI::Range(1L, 1L << 20), In::Run | In::Sweep)                                                                     \
  X(std::string, gil, "off", "--gil", "off: free-threaded; on: GIL forced back on, for comparison; both",              \
    CLI::IsMember({"off", "on", "both"}), In::Run | In::Sweep)                                                         \
  X(std::vector<std::string>, keyword, {}, "-k",                                                                       \
    "only cases whose name matches: pytest's syntax, parts of names with and, or, not, parentheses "                   \
    "('Counter and not Lock'; case-insensitive); repeatable: any selecting one, every 'not ...' one",                  \
    CLI::Validator(), In::Run | In::List | In::Explore | In::Sweep)                                                    \
  X(bool, exitfirst, false, "-x,--exitfirst", "stop after the first case not as expected", CLI::Validator(),           \
    In::Run | In::Explore | In::Sweep)                                                                                 \
  X(std::string, json, "", "--json", "write raw results as JSON lines to this file, one per case and configuration",   \
    CLI::Validator(), In::Run | In::Table | In::Explore | In::Replay)                                                  \
  X(std::string, shard, "", "--shard", "i/n: run only the i-th of n deterministic shares of the plan (CI fleets)",     \
    CLI::Validator(), In::Run | In::Sweep)                                                                             \
  X(std::string, resume, "", "--resume",                                                                               \
    "continue the run whose raw results are in this file: skip what it holds, append the rest", CLI::Validator(),      \
    In::Run)                                                                                                           \
  X(std::vector<std::string>, reporter, {}, "-r,--reporter,--format",                                                  \
    "NAME[::out=FILE], repeatable: console (default), json, junit, markdown, html, catalog", CLI::Validator(),         \
    In::Run | In::Report | In::Explore | In::Sweep)                                                                    \
  X(std::string, color, "auto", "--color", "auto, always or never", CLI::IsMember({"auto", "always", "never"}),        \
    In::Run | In::Report | In::Explain | In::Explore | In::Replay | In::Sweep)                                         \
  X(bool, show_suppressed, false, "--show-suppressed",                                                                 \
    "ThreadSanitizer builds: list the suppressions that matched in each case, with counts (console and JSON)",         \
    CLI::Validator(), In::Run | In::Sweep)                                                                             \
  X(bool, explore, false, "--explore",                                                                                 \
    "also explore each case's interleavings with the controlled scheduler: an explore verdict beside the stress "      \
    "verdicts (docs/explore.md)",                                                                                      \
    CLI::Validator(), In::Run)                                                                                         \
  X(std::string, strategy, "exhaustive", "--strategy",                                                                 \
    "explore: exhaustive (every schedule with <= --preemptions preemptions, a bounded proof), pct (random "            \
    "priorities with change points, seeded) or random (a seeded random walk)",                                         \
    CLI::IsMember({"exhaustive", "pct", "random"}), In::Run | In::Explore)                                             \
  X(int, preemptions, 2, "--preemptions", "explore, exhaustive: the preemption bound K", CLI::Range(0, 16),            \
    In::Run | In::Explore | In::Repro)                                                                                 \
  X(long, schedules, 100000, "--schedules", "explore: at most this many schedules per case",                           \
    CLI::Range(1L, 1000000000L), In::Run | In::Explore | In::Repro)                                                    \
  X(long, seed, 1, "--seed",                                                                                           \
    "explore, pct and random: the seed (a result names it; the same seed gives the same schedules)",                   \
    CLI::Range(0L, 1L << 62), In::Run | In::Explore)                                                                   \
  X(std::string, explore_points, "visible", "--explore-points",                                                        \
    "explore: visible (a scheduling point before every instruction that may touch shared state) or all (every "        \
    "instruction: no reduction, to measure it)",                                                                       \
    CLI::IsMember({"visible", "all"}), In::Run | In::Explore | In::Replay)                                             \
  X(std::string, explore_scope, "case", "--explore-scope",                                                             \
    "explore: case (scheduling points in the case file's code) or all (library code too)",                             \
    CLI::IsMember({"case", "all"}), In::Run | In::Explore | In::Replay)                                                \
  X(std::string, explore_cache, "on", "--explore-cache",                                                               \
    "explore, exhaustive: on (no schedule is queued from a state an earlier schedule reached with as many "            \
    "preemptions left: the same proof, fewer schedules) or off (every schedule, to measure it)",                       \
    CLI::IsMember({"on", "off"}), In::Run | In::Explore)                                                               \
  X(std::string, explore_engine, "fibers", "--explore-engine",                                                         \
    "explore: fibers (every actor on one OS thread, handing the turn is a stack switch; falls back to threads in "     \
    "a sanitizer build) or threads (an OS thread per actor, a futex hand-over: thread identity as in real use)",       \
    CLI::IsMember({"fibers", "threads"}), In::Run | In::Explore | In::Replay)                                          \
  X(double, explore_stall, 5.0, "--explore-stall",                                                                     \
    "explore: a thread that holds the turn this many seconds without a step is blocked outside the model (I/O, "       \
    "an unmodelled lock, a C call that waits): an ERROR naming its line (0: no watch; --timeout still applies)",       \
    CLI::Range(0.0, 86400.0), In::Run | In::Explore | In::Replay)                                                      \
  X(std::string, schedule, "", "--schedule", "replay: the schedule string an explore witness printed, e.g. 0,1*3,0*2", \
    CLI::Validator(), In::Replay)                                                                                      \
  X(long, repeat, 1, "--repeat", "replay: run the schedule this many times (each must give the same outcome)",         \
    CLI::Range(1L, 1000000L), In::Replay)                                                                              \
  X(bool, plain, false, "--plain",                                                                                     \
    "repro: the plain-threading reproducer (fresh threads until the outcome shows) even when explore finds a "         \
    "witness to force",                                                                                                \
    CLI::Validator(), In::Repro)

struct RunOptions {
#define PYRACE_FIELD(type, field, def, names, help, check, commands) type field = def;
  PYRACE_RUN_FLAGS(PYRACE_FIELD)
#undef PYRACE_FIELD
  std::vector<std::string> paths;
};

struct Command {
  enum Kind {
    Run,
    List,
    Report,
    Explain,
    Table,
    Repro,
    Compare,
    Explore,
    Replay,
    Sweep,
    Worker,
    FlagsMd,
    None
  } kind = None;
  RunOptions run;
  std::vector<std::string> results;  // report: result files
  std::string explain_case;          // explain: a case file or name
  bool no_run = false;               // explain: show, do not measure
  std::string output;  // repro: the reproducer to write; compare: the reproducer folder; sweep: its folder
  std::string deny;  // sweep: a deny list
  std::string worker_spec, worker_path, worker_name;
};

// Parses argv; on --help prints help and returns exit 0 through `exit_code`; on a usage error
// prints the message and sets exit_code to kExitUsage. Returns false when the program should exit.
bool parse_command_line(int argc, char** argv, Command& cmd, int& exit_code);

// Declares every subcommand and its flags on `app` (named "pyrace"), bound to `cmd`'s fields; returns
// each subcommand with its kind. The parser and the flag reference (flags_markdown) are built by it.
std::vector<std::pair<CLI::App*, Command::Kind>> build_app(CLI::App& app, Command& cmd);

// The flag reference, docs/generated/flags.md: every listed subcommand with its arguments and flags
// (type, range or values, default, help), as `pyrace __flags-md` prints it.
std::string flags_markdown();

}  // namespace pyrace
