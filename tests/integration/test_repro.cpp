// pyrace repro for cases: the forced-interleaving reproducer of an explore witness (it fires on
// its first run, every run), and the plain-threading one when explore finds no witness.
#include "support.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace pyrace_it;

namespace {
// Exit status of `python3.14t -I SCRIPT ARGS` (isolated: no PYTHONPATH, no user site; output
// discarded), run from the filesystem root: nothing of pyrace's is importable. -1: it did not exit.
int run_python(const fs::path& script, const std::string& args = "") {
  int st = std::system(
      fmt::format("cd / && {} -I {} {} >/dev/null 2>&1", quote(PYRACE_TEST_PYTHON), quote(script.string()), args)
          .c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST_CASE("repro forces the explore witness of racy cases: the reproducer exits 1 on every run, python3.14t alone",
          "[integration][repro][explore]") {
  const char* names[] = {
      "Counter_03_OneShot_NoLock",          "Counter_01_AugAssign_NoLock",      "LazyInit_01_NoLock",
      "CheckAct_03_CheckThenDelete_NoLock", "Deque_02_CheckThenPopleft_NoLock", "Handoff_01_ListAsQueue_NoLock"};
  for (const char* name : names) {
    fs::path out = scratch(std::string(name) + "_forced.py");
    fs::remove(out);
    Run w = pyrace(fmt::format("repro {} -o {}", name, quote(out.string())), false);
    INFO(name << ": " << w.out);
    CHECK(w.exit_code == 0);
    CHECK_THAT(w.out, ContainsSubstring("explore found"));
    REQUIRE(fs::exists(out));
    const std::string text = slurp(out);
    CHECK_THAT(text, ContainsSubstring("PYRACE_FORCED = "));
    CHECK_THAT(text, ContainsSubstring("# === pyrace: explore model, embedded ==="));
    for (int i = 0; i < 3; ++i) CHECK(run_python(out) == 1);
  }
}

TEST_CASE("repro of the issue's check-then-pop fires on its first run, where plain threading rarely does",
          "[integration][repro][explore]") {
  fs::path out = scratch("checkthenpop_forced.py");
  fs::remove(out);
  Run w = pyrace(fmt::format("repro tests/data/repro/Repro_01_DictCheckThenPop.py -o {}", quote(out.string())), false);
  INFO(w.out);
  REQUIRE(w.exit_code == 0);
  CHECK_THAT(w.out, ContainsSubstring("explore found the outcome 'raised KeyError'"));
  CHECK(run_python(out) == 1);
  // What it prints: the steps it forced, the outcome, the exception's traceback.
  FILE* p = ::popen(fmt::format("{} {} 2>&1", quote(PYRACE_TEST_PYTHON), quote(out.string())).c_str(), "r");
  REQUIRE(p != nullptr);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
  ::pclose(p);
  CHECK_THAT(text, ContainsSubstring("thread 1 (actor)"));
  CHECK_THAT(text, ContainsSubstring("KeyError"));
  CHECK_THAT(text, ContainsSubstring("FORBIDDEN outcome: 'raised KeyError'"));
}

TEST_CASE("repro of a safe case: no witness, so the plain-threading reproducer, which exits 0",
          "[integration][repro][explore]") {
  fs::path out = scratch("counter04.py");
  fs::remove(out);
  Run w = pyrace(fmt::format("repro Counter_04_OneShot_Lock -o {}", quote(out.string())), false);
  INFO(w.out);
  CHECK(w.exit_code == 0);
  CHECK_THAT(w.out, ContainsSubstring("explore found no forbidden outcome"));
  CHECK_THAT(w.out, ContainsSubstring("plain-threading reproducer instead"));
  REQUIRE(fs::exists(out));
  CHECK(slurp(out).find("PYRACE_FORCED") == std::string::npos);
  CHECK(run_python(out, "--max-seconds 1") == 0);
  // The forced driver on the safe case, under the default schedule: no forbidden outcome, exit 0.
  CHECK(run_python(fs::path(PYRACE_SOURCE_DIR) / "harness/repro/forced_driver.py",
                   quote(std::string(PYRACE_SOURCE_DIR) + "/cases/counters/Counter_04_OneShot_Lock.py")) == 0);
  // --plain: the plain reproducer even for a racy case.
  fs::path plain = scratch("counter03_plain.py");
  Run pl = pyrace(fmt::format("repro Counter_03_OneShot_NoLock --plain -o {}", quote(plain.string())), false);
  CHECK(pl.exit_code == 0);
  CHECK(slurp(plain).find("PYRACE_FORCED") == std::string::npos);
}

TEST_CASE("a forced reproducer whose schedule does not fit the code exits 125 (git bisect run: skip)",
          "[integration][repro][explore]") {
  fs::path out = scratch("counter03_forced.py");
  fs::remove(out);
  Run w = pyrace(fmt::format("repro Counter_03_OneShot_NoLock -o {}", quote(out.string())), false);
  REQUIRE(w.exit_code == 0);
  std::string text = slurp(out);
  // A schedule asking for a thread that has finished by then.
  const std::string from = "\"schedule\":\"0,1*3,0*2\"";
  REQUIRE(text.find(from) != std::string::npos);
  text.replace(text.find(from), from.size(), "\"schedule\":\"0,1*5\"");
  std::ofstream(out) << text;
  CHECK(run_python(out) == 125);
}

TEST_CASE("a forced reproducer on an interpreter that compiles the case differently searches instead of replaying",
          "[integration][repro][explore]") {
  // git bisect across interpreter builds: where the case's bytecode differs, the schedule string
  // may name another interleaving (a false "good"); the reproducer notices (the bytecode
  // fingerprint it carries) and searches that interpreter's schedules with as many preemptions.
  fs::path out = scratch("counter03_otherbytecode.py");
  fs::remove(out);
  Run w = pyrace(fmt::format("repro Counter_03_OneShot_NoLock -o {}", quote(out.string())), false);
  REQUIRE(w.exit_code == 0);
  std::string text = slurp(out);
  const auto at = text.find("\"bytecode\":\"");
  REQUIRE(at != std::string::npos);
  const auto start = at + std::string("\"bytecode\":\"").size();
  text.replace(start, text.find('"', start) - start, "0123456789abcdef");  // found on "another build"
  std::ofstream(out) << text;
  fs::path log = scratch("counter03_otherbytecode.out");
  const int rc = std::system(
      fmt::format("{} {} >{} 2>&1", quote(PYRACE_TEST_PYTHON), quote(out.string()), quote(log.string())).c_str());
  const std::string said = slurp(log);
  INFO(said);
  CHECK(WEXITSTATUS(rc) == 1);
  CHECK_THAT(said, ContainsSubstring("compiles the case to other bytecode than the one schedule 0,1*3,0*2 was found "
                                     "on: searching its schedules with <= 2 preemptions instead"));
  CHECK_THAT(said, ContainsSubstring("FORBIDDEN outcome: "));
  CHECK_THAT(said, ContainsSubstring("under schedule 0,1*3,0*2"));
}
