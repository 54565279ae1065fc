// The subcommands, one file each (cmd_*.cpp), and the pieces they share (common.cpp);
// main.cpp parses the command line and dispatches here.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cli/flags.hpp"
#include "report/reporter.hpp"
#include "results/discover.hpp"
#include "supervise/supervisor.hpp"

namespace pyrace {

// explore_only: `pyrace explore` (explore units only); else stress units, plus explore ones with --explore.
int cmd_run(const RunOptions& o, SuperviseOptions sup, bool explore_only = false);
int cmd_replay(const std::string& case_ref, const RunOptions& o, const SuperviseOptions& sup);
int cmd_list(const RunOptions& o, const SuperviseOptions& sup);
int cmd_table(RunOptions o, const SuperviseOptions& sup);
int cmd_report(const std::vector<std::string>& files, const RunOptions& o);
int cmd_explain(const std::string& case_ref, const RunOptions& o, const SuperviseOptions& sup, bool color, bool run);
int cmd_repro(const std::string& case_ref, const RunOptions& o, const SuperviseOptions& sup, const std::string& output);
int cmd_compare(const std::string& baseline, const std::string& candidate, const std::string& repro_dir);
// out: the folder for the generated cases and the results; deny: a deny list of operations not to call.
int cmd_sweep(const RunOptions& o, const SuperviseOptions& sup, const std::string& out, const std::string& deny);

// Shared by the subcommands (common.cpp).
int usage_error(const std::string& msg);  // prints "pyrace: error: MSG"; returns kExitUsage
bool want_color(const std::string& mode);  // --color auto/always/never against this terminal
// Wraps text in an ANSI SGR code (e.g. "1;31") when on; explain and replay colour with it.
struct Paint {
  bool on;
  std::string operator()(const char* code, const std::string& s) const;
};
// The cases the paths and -k select into `out`; kExitOk, or kExitUsage (message printed) when
// a path is wrong or nothing matched.
int select_cases(const RunOptions& o, std::vector<CaseFile>& out);
// A worker per GIL mode checks the interpreter; kExitOk, or kExitEnv (message printed).
// `python` receives the interpreter's description for the report header.
int check_interpreter(const std::vector<std::string>& gils, const SuperviseOptions& sup, std::string& python);
// The exit status of graded results: kExitMismatch when any is a mismatch (not as expected and
// not merely inconclusive: a verdict other than EXPECT, ERROR, CRASH, ...); else kExitInconclusive
// when any is inconclusive and that is not allowed; else kExitOk.
int results_exit_code(const std::vector<Record>& records, bool allow_inconclusive);
// Whether one result ends the run under -x: a mismatch, or an inconclusive result not allowed.
bool fails_run(const Record& r, bool allow_inconclusive);
std::vector<std::unique_ptr<Reporter>> open_reporters(const RunOptions& o, const std::string& json_out, bool append);
// The files the reporters of open_reporters(o, json_out) write (-r NAME::out=FILE, then json_out).
std::vector<std::string> reporter_files(const RunOptions& o, const std::string& json_out);
// Closes the reporters (their files complete) and says on stderr which files were written,
// one "pyrace: wrote FILE" line each, as `pyrace repro` does.
void close_reporters(std::vector<std::unique_ptr<Reporter>>& reporters, const std::vector<std::string>& files);

}  // namespace pyrace
