#include <catch2/catch_test_macros.hpp>

#include <string>
#include <vector>

#include "cli/flags.hpp"

using namespace pyrace;

namespace {
struct Parsed {
  bool go;
  int code;
  Command cmd;
};
Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "pyrace");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  Parsed p{false, -1, {}};
  p.go = parse_command_line(static_cast<int>(argv.size()), argv.data(), p.cmd, p.code);
  return p;
}
}  // namespace

TEST_CASE("run flags fill the options struct", "[cli][flags]") {
  auto p = parse({"run", "-t", "2,4,8", "-n", "500", "--trials", "7", "--gil", "both", "-k", "counter", "-k",
                  "not lock", "-x", "--early-stop", "--json", "out.jsonl", "cases"});
  REQUIRE(p.go);
  CHECK(p.cmd.kind == Command::Run);
  CHECK(p.cmd.run.threads == std::vector<int>{2, 4, 8});
  CHECK(p.cmd.run.iterations == 500);
  CHECK(p.cmd.run.trials == 7);
  CHECK(p.cmd.run.gil == "both");
  CHECK(p.cmd.run.keyword == std::vector<std::string>{"counter", "not lock"});
  CHECK(p.cmd.run.exitfirst);
  CHECK(p.cmd.run.early_stop);
  CHECK(p.cmd.run.json == "out.jsonl");
  CHECK(p.cmd.run.paths == std::vector<std::string>{"cases"});
}

TEST_CASE("a repeatable flag takes one value per occurrence", "[cli][flags]") {
  auto p = parse({"run", "-k", "counter", "cases/a", "cases/b"});
  REQUIRE(p.go);
  CHECK(p.cmd.run.keyword == std::vector<std::string>{"counter"});
  CHECK(p.cmd.run.paths == std::vector<std::string>{"cases/a", "cases/b"});
}

TEST_CASE("defaults come from the flag table", "[cli][flags]") {
  auto p = parse({"run", "cases"});
  REQUIRE(p.go);
  CHECK(p.cmd.run.threads.empty());
  CHECK(p.cmd.run.gil == "off");
  CHECK(p.cmd.run.time_budget == 10.0);
  CHECK(p.cmd.run.timeout == 120.0);
  CHECK_FALSE(p.cmd.run.early_stop);
  CHECK(p.cmd.run.max_rate == 0);  // the shape's default, decided when grading
  CHECK_FALSE(p.cmd.run.allow_inconclusive);
}

TEST_CASE("flags: max rate strictly between 0 and 1, allow-inconclusive where results are graded", "[cli][flags]") {
  auto p = parse({"run", "--max-rate", "0.01", "--allow-inconclusive", "cases"});
  REQUIRE(p.go);
  CHECK(p.cmd.run.max_rate == 0.01);
  CHECK(p.cmd.run.allow_inconclusive);
  for (const char* bad : {"0", "1", "-0.1", "1.5", "5%", "abc"}) {
    INFO(bad);
    auto q = parse({"run", "--max-rate", bad, "cases"});
    CHECK_FALSE(q.go);
    CHECK(q.code == kExitUsage);
  }
  for (std::vector<std::string> ok :
       std::vector<std::vector<std::string>>{{"explain", "--max-rate", "0.2", "--allow-inconclusive", "Counter_02"},
                                             {"table", "--max-rate", "0.2", "--allow-inconclusive"},
                                             {"report", "--allow-inconclusive", "r.jsonl"}}) {
    auto q = parse(ok);
    CHECK(q.go);
  }
  // report grades nothing anew against another target; list grades nothing at all
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{
           {"report", "--max-rate", "0.2", "r.jsonl"}, {"list", "--allow-inconclusive", "cases"}}) {
    auto q = parse(bad);
    CHECK_FALSE(q.go);
  }
  CHECK(kExitInconclusive == 4);
}

TEST_CASE("bad flags are usage errors (exit 2)", "[cli][flags]") {
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{{"run", "--gil", "sometimes", "cases"},
                                                                            {"run", "-t", "0", "cases"},
                                                                            {"run", "-t", "10000", "cases"},
                                                                            {"run", "-n", "-5", "cases"},
                                                                            {"run", "--trials", "0", "cases"},
                                                                            {"run", "--no-such-flag", "cases"},
                                                                            {"run"},
                                                                            {"frobnicate"},
                                                                            {}}) {
    auto p = parse(bad);
    CHECK_FALSE(p.go);
    CHECK(p.code == kExitUsage);
  }
}

TEST_CASE("--help exits 0", "[cli]") {
  auto p = parse({"run", "--help"});
  CHECK_FALSE(p.go);
  CHECK(p.code == kExitOk);
}

TEST_CASE("every subcommand takes its flags from the one table with their ranges", "[cli][flags]") {
  for (std::vector<std::string> bad :
       std::vector<std::vector<std::string>>{{"list", "--timeout", "0", "cases"},  // the range list's copy had lost
                                             {"explain", "--time-budget", "0", "Counter_01"},  // ... and explain's
                                             {"explain", "-t", "2,4", "Counter_01"},  // one thread count outside run
                                             {"table", "-t", "2,4"},
                                             {"list", "--gil", "on", "cases"}}) {  // a flag list does not take
    auto p = parse(bad);
    CHECK_FALSE(p.go);
    CHECK(p.code == kExitUsage);
  }
  auto p = parse({"explain", "-t", "4", "--time-budget", "0.5", "Counter_01"});
  REQUIRE(p.go);
  CHECK(p.cmd.kind == Command::Explain);
  CHECK(p.cmd.run.threads == std::vector<int>{4});
  CHECK(p.cmd.run.time_budget == 0.5);
}

TEST_CASE("memory size: --max-memory takes a size with a unit; a plain number is MiB", "[cli][flags][memory]") {
  struct Good {
    const char* text;
    long mib;
  };
  for (const Good& g : {Good{"2G", 2048}, Good{"2g", 2048}, Good{"2GiB", 2048}, Good{"2GB", 2048}, Good{"1.5G", 1536},
                        Good{"512M", 512}, Good{"512MiB", 512}, Good{"512", 512}, Good{"0", 0}, Good{"1T", 1L << 20},
                        Good{"1024K", 1}, Good{"1536KiB", 2}, Good{"1K", 1}, Good{" 3 G ", 3072}}) {
    INFO(g.text);
    long mib = -1;
    std::string err;
    CHECK(parse_memory_size(g.text, mib, err));
    CHECK(mib == g.mib);
    CHECK(err.empty());
  }
  auto p = parse({"run", "--max-memory", "2G", "cases"});
  REQUIRE(p.go);
  CHECK(p.cmd.run.max_memory.mib == 2048);
  p = parse({"run", "--max-memory", "4096", "cases"});
  REQUIRE(p.go);
  CHECK(p.cmd.run.max_memory.mib == 4096);
  p = parse({"run", "cases"});
  REQUIRE(p.go);
  CHECK(p.cmd.run.max_memory.mib == 0);
}

TEST_CASE("memory size: --max-memory refuses what is not a size, saying what a size is", "[cli][flags][memory]") {
  for (const char* bad : {"2 gigs", "G", "", "-1G", "2Q", "1.2.3G", "2GiBs", "0x10", "2000000T"}) {
    INFO(bad);
    long mib = -1;
    std::string err;
    CHECK_FALSE(parse_memory_size(bad, mib, err));
    CHECK(err.find(std::string("'") + bad + "'") != std::string::npos);
    CHECK((err.find("512M, 2G") != std::string::npos || err.find("more than --max-memory takes") != std::string::npos));
    auto p = parse({"run", "--max-memory", bad, "cases"});
    CHECK_FALSE(p.go);
    CHECK(p.code == kExitUsage);
  }
}

TEST_CASE("the flag reference lists each table flag under exactly the subcommands that take it", "[cli][flags]") {
  const std::string md = flags_markdown();
  // The section of one subcommand: from its heading to the next.
  auto section = [&](const std::string& name) {
    const size_t at = md.find("\n## pyrace " + name + "\n");
    REQUIRE(at != std::string::npos);
    return md.substr(at, md.find("\n## ", at + 1) - at);
  };
  const std::vector<std::pair<unsigned, std::string>> subcommands = {
      {In::Run, "run"},     {In::List, "list"},       {In::Report, "report"}, {In::Explain, "explain"},
      {In::Table, "table"}, {In::Explore, "explore"}, {In::Replay, "replay"}, {In::Repro, "repro"}};
  int rows = 0;
#define PYRACE_CHECK_DOC(type, field, def, names, help, check, commands)                                         \
  for (const auto& [bit, name] : subcommands) {                                                                  \
    std::string cell = std::string("| `") + names + "` |";                                                       \
    for (size_t c = cell.find(','); c != std::string::npos; c = cell.find(',', c + 2)) cell.replace(c, 1, ", "); \
    INFO(name << " " << names);                                                                                  \
    CHECK((section(name).find(cell) != std::string::npos) == (((commands) & bit) != 0));                         \
    ++rows;                                                                                                      \
  }
  PYRACE_RUN_FLAGS(PYRACE_CHECK_DOC)
#undef PYRACE_CHECK_DOC
  CHECK(rows > 8 * 20);  // the table has more than twenty flags
  CHECK(md.find("__worker") == std::string::npos);
  CHECK(md.find("## pyrace compare") != std::string::npos);
  CHECK(md.find("`--repro-dir`") != std::string::npos);  // compare's own flag, not in the table
}
