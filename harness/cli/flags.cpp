#include "cli/flags.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <type_traits>

namespace pyrace {

namespace {
constexpr const char* kDescription =
    "pyrace: is this Python pattern safe without the GIL? Runs concurrent cases on a free-threaded CPython 3.14t and "
    "grades them.";
constexpr const char* kFooter =
    "Exit codes: 0 every verdict as expected; 1 some verdict not as expected (or ERROR, CRASH,\n"
    "TIMEOUT, DEADLOCK, GIL); 2 usage error; 3 environment error (no usable free-threaded\n"
    "interpreter, GIL enabled at startup); 4 a case EXPECTed safe is INCONCLUSIVE (too little\n"
    "evidence for SAFE; --allow-inconclusive accepts it) and nothing worse: 1 outranks 4;\n"
    "130 interrupted (partial results kept).";

// --max-rate: a rate strictly between 0 and 1 (0 is the flag's "not given": the shape's default).
CLI::Validator max_rate_check() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        try {
          size_t used = 0;
          double v = std::stod(s, &used);
          if (used == s.size() && v > 0 && v < 1) return "";
        } catch (const std::exception&) {
        }
        return "--max-rate takes a rate between 0 and 1, exclusive (e.g. 0.01 for 1%), not '" + s + "'";
      },
      "RATE");
}

// Checks the text of --max-memory (the option's callback then converts it).
CLI::Validator MemorySizeCheck() {
  return CLI::Validator(
      [](std::string& text) {
        long mib = 0;
        std::string error;
        return parse_memory_size(text, mib, error) ? std::string() : error;
      },
      "");
}

template <typename T>
CLI::Option* add(CLI::App& app, const char* names, T& field, const std::string& help) {
  if constexpr (std::is_same_v<T, MemorySize>) {
    return app
        .add_option_function<std::string>(
            names,
            [&field](const std::string& text) {
              std::string error;
              parse_memory_size(text, field.mib, error);  // already checked
            },
            help)
        ->type_name("SIZE")
        ->default_str("0");
  } else if constexpr (std::is_same_v<T, bool>) {
    return app.add_flag(names, field, help);
  } else if constexpr (std::is_same_v<T, std::vector<int>> || std::is_same_v<T, std::vector<std::string>>) {
    // One value per occurrence (repeat the flag for more), so `-k foo cases/` keeps cases/ a path.
    auto* opt = app.add_option(names, field, help)->allow_extra_args(false);
    if constexpr (std::is_same_v<T, std::vector<int>>) opt->delimiter(',');
    return opt;
  } else {
    return app.add_option(names, field, help)->capture_default_str();
  }
}

// The table's flags that `command` (an In:: bit) takes.
void add_flags(CLI::App& app, RunOptions& o, unsigned command) {
#define PYRACE_ADD(type, field, def, names, help, validator, commands) \
  if ((commands) & command) add(app, names, o.field, help)->check(validator);
  PYRACE_RUN_FLAGS(PYRACE_ADD)
#undef PYRACE_ADD
}
}  // namespace

bool parse_memory_size(const std::string& text, long& mib, std::string& error) {
  const std::string usage = "'" + text +
                            "' is not a size: give a number with a unit, e.g. 512M, 2G, 1.5GiB "
                            "(K, M, G, T: powers of 1024), or a plain number of MiB (4096); 0 for the default";
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  size_t digits = i;
  bool dot = false;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !dot))) {
    dot = dot || text[i] == '.';
    ++i;
  }
  std::string number = text.substr(digits, i - digits);
  if (number.empty() || number == ".") {
    error = usage;
    return false;
  }
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  std::string unit;
  for (; i < text.size(); ++i)
    if (!std::isspace(static_cast<unsigned char>(text[i])))
      unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
  // MiB per unit; no unit: MiB, as the flag always took.
  double per = 0;
  if (unit.empty() || unit == "m" || unit == "mb" || unit == "mib") per = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") per = 1.0 / 1024;
  else if (unit == "g" || unit == "gb" || unit == "gib") per = 1024;
  else if (unit == "t" || unit == "tb" || unit == "tib") per = 1024.0 * 1024;
  if (per == 0) {
    error = usage;
    return false;
  }
  double value = std::strtod(number.c_str(), nullptr) * per;
  if (value > static_cast<double>(kMaxMemoryMib)) {
    error = "'" + text + "' is more than --max-memory takes (" + std::to_string(kMaxMemoryMib >> 20) + "T)";
    return false;
  }
  mib = static_cast<long>(std::ceil(value));
  return true;
}

#ifndef PYRACE_VERSION
#error "PYRACE_VERSION: CMake passes the project's version (project(pyrace VERSION ...))"
#endif

namespace {
// The internal subcommands: hidden (group ""), so neither --help, the docs nor the error listing
// the subcommands names them.
CLI::App* add_worker(CLI::App& app, Command& cmd) {
  auto* worker = app.add_subcommand("__worker", "");  // one case in a child process
  worker->group("");
  worker->add_option("--spec", cmd.worker_spec)->required();
  worker->add_option("--path", cmd.worker_path);
  worker->add_option("--name", cmd.worker_name);
  return worker;
}
CLI::App* add_flags_md(CLI::App& app) {
  auto* flags_md = app.add_subcommand("__flags-md", "");  // prints docs/generated/flags.md
  flags_md->group("");
  return flags_md;
}
}  // namespace

// The subcommands with their flags (the table's, then each one's own arguments), bound to `cmd`,
// one short block each in the order --help lists them (long for that reason: 9 subcommands).
std::vector<std::pair<CLI::App*, Command::Kind>> build_app(CLI::App& app, Command& cmd) {
  app.name("pyrace");
  app.description(kDescription);
  app.footer(kFooter);
  app.require_subcommand(1);
  app.set_version_flag("--version", "pyrace " PYRACE_VERSION);

  auto* run = app.add_subcommand("run", "run cases (files or folders) and grade them");
  add_flags(*run, cmd.run, In::Run);
  run->add_option("paths", cmd.run.paths, "case files or folders")->required();
  run->footer(kFooter);

  auto* list = app.add_subcommand("list", "list cases with their expectation and shape, without running them");
  add_flags(*list, cmd.run, In::List);
  list->add_option("paths", cmd.run.paths, "case files or folders")->required();

  auto* report = app.add_subcommand("report", "render reports from raw result files (merged, in plan order)");
  report->add_option("results", cmd.results, "JSON-lines result files from run --json (several: merged)")->required();
  add_flags(*report, cmd.run, In::Report);
  report->footer(kFooter);

  auto* explain =
      app.add_subcommand("explain", "teaching view of one case: why, source, bytecode window, measured numbers");
  explain->add_option("case", cmd.explain_case, "a case file, or a case name (or a unique part of one)")->required();
  explain->add_option("paths", cmd.run.paths, "folders to look for the case in (default: cases)");
  explain->add_flag("--no-run", cmd.no_run, "show the case and its bytecode without measuring it");
  add_flags(*explain, cmd.run, In::Explain);
  explain->footer(kFooter);

  auto* table =
      app.add_subcommand("table", "measure the widely quoted error-rate table (cases with CLASSIC), GIL off and on");
  table->add_option("paths", cmd.run.paths, "case files or folders (default: cases)");
  add_flags(*table, cmd.run, In::Table);
  table->footer(kFooter);

  auto* repro = app.add_subcommand(
      "repro",
      "write a standalone reproducer of a case or of a fuzzer artifact (python3.14t only; exit 1 when it fails)");
  repro
      ->add_option("case", cmd.explain_case,
                   "a case file, a case name (or a unique part of one), or a fuzzer artifact (crash-*, timeout-*, a "
                   "program .spec)")
      ->required();
  repro->add_option("paths", cmd.run.paths, "folders to look for the case in (default: cases)");
  repro->add_option("-o,--output", cmd.output, "the file to write (default: NAME_repro.py)");
  add_flags(*repro, cmd.run, In::Repro);

  auto* compare = app.add_subcommand(
      "compare", "what changed between two runs (e.g. two interpreter builds); exit 1 on regression");
  compare->add_option("results", cmd.results, "BASELINE CANDIDATE: the raw results of the two runs")
      ->required()
      ->expected(2);
  compare->add_option("--repro-dir", cmd.output, "write a reproducer for every regression into this folder");
  compare->footer(kFooter);

  auto* explore = app.add_subcommand("explore",
                                     "search each case's interleavings with the controlled scheduler: a witness for "
                                     "every race, a bounded proof for small safe cases");
  add_flags(*explore, cmd.run, In::Explore);
  explore->add_option("paths", cmd.run.paths, "case files or folders")->required();
  explore->footer(kFooter);

  auto* replay = app.add_subcommand(
      "replay", "run one case under one schedule (from an explore witness), the same outcome every time");
  replay->add_option("case", cmd.explain_case, "a case file, or a case name (or a unique part of one)")->required();
  replay->add_option("paths", cmd.run.paths, "folders to look for the case in (default: cases)");
  add_flags(*replay, cmd.run, In::Replay);
  replay->get_option("--schedule")->required();
  replay->footer(kFooter);

  auto* sweep = app.add_subcommand(
      "sweep",
      "stress every type of the interpreter's fuzz vocabulary: one case per type (one shared object, 4 threads "
      "calling each of its operations), run and graded; prints the types not SAFE");
  sweep->add_option("-o,--out", cmd.output, "the folder for the cases and the results (default: sweep-out)");
  sweep->add_option("--deny", cmd.deny, "a deny list ('module.Type operation' lines, the nightly's): not called");
  add_flags(*sweep, cmd.run, In::Sweep);
  sweep->footer(kFooter);

  return {{run, Command::Run},
          {list, Command::List},
          {report, Command::Report},
          {explain, Command::Explain},
          {table, Command::Table},
          {repro, Command::Repro},
          {compare, Command::Compare},
          {explore, Command::Explore},
          {replay, Command::Replay},
          {sweep, Command::Sweep},
          {add_worker(app, cmd), Command::Worker},
          {add_flags_md(app), Command::FlagsMd}};
}

namespace {
// A first word that names no subcommand: say so, with the list (CLI11 would only say that a
// subcommand is required). Global flags (--help, --version) take no value, so the first word
// that is not a flag is the subcommand. False (exit_code set) when there is none or it is unknown.
bool names_a_subcommand(CLI::App& app, int argc, char** argv, int& exit_code) {
  std::vector<std::string> names;  // the listed ones; the internal (group "") are accepted too
  for (const auto* sub : app.get_subcommands([](CLI::App* a) { return !a->get_group().empty(); }))
    names.push_back(sub->get_name());
  std::string listed;
  for (const auto& n : names) listed += (listed.empty() ? "" : ", ") + n;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (!word.empty() && word[0] == '-') continue;
    if (!app.get_subcommands([&](CLI::App* a) { return a->get_name() == word; }).empty()) break;
    std::fprintf(stderr, "pyrace: error: unknown subcommand '%s'; the subcommands are: %s (pyrace SUBCOMMAND --help)\n",
                 word.c_str(), listed.c_str());
    exit_code = kExitUsage;
    return false;
  }
  if (argc < 2) {
    std::fprintf(stderr, "pyrace: error: no subcommand; the subcommands are: %s (pyrace --help)\n", listed.c_str());
    exit_code = kExitUsage;
    return false;
  }
  return true;
}

// Only run sweeps thread counts; elsewhere a list would be half ignored, so it is refused.
bool one_thread_count_where_needed(const Command& cmd, int& exit_code) {
  if ((cmd.kind == Command::Explain || cmd.kind == Command::Table || cmd.kind == Command::Replay) &&
      cmd.run.threads.size() > 1) {
    std::fprintf(
        stderr,
        "pyrace %s: -t takes one thread count here (a comma list sweeps only in 'pyrace run' and 'pyrace explore')\n",
        cmd.kind == Command::Explain ? "explain"
        : cmd.kind == Command::Table ? "table"
                                     : "replay");
    exit_code = kExitUsage;
    return false;
  }
  return true;
}
}  // namespace

bool parse_command_line(int argc, char** argv, Command& cmd, int& exit_code) {
  CLI::App app;
  const auto subcommands = build_app(app, cmd);
  if (!names_a_subcommand(app, argc, argv, exit_code)) return false;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are ParseErrors with exit code 0; everything else is a usage error.
    exit_code = app.exit(e) == 0 ? kExitOk : kExitUsage;
    return false;
  }
  for (const auto& [sub, kind] : subcommands)
    if (sub->parsed()) cmd.kind = kind;
  return one_thread_count_where_needed(cmd, exit_code);
}

}  // namespace pyrace
