// pyrace list end to end.
#include "support.hpp"

using namespace pyrace_it;

TEST_CASE("list shows cases without running them", "[integration][cli][discover]") {
  Run r = pyrace("list cases", false);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("Counter_01_AugAssign_NoLock"));
  CHECK_THAT(r.out, ContainsSubstring("racy"));
  CHECK_THAT(r.out, ContainsSubstring("single"));
}

TEST_CASE("-k takes pytest's expressions; a malformed one is a usage error (exit 2)", "[integration][cli][discover]") {
  Run r = pyrace("list cases -k 'Counter_0 and not _Lock' -k 'Dict_01 or Set_01'", false);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("Counter_01_AugAssign_NoLock"));
  CHECK_THAT(r.out, ContainsSubstring("Dict_01_"));
  CHECK_THAT(r.out, !ContainsSubstring("Counter_02_AugAssign_Lock"));
  Run bad = pyrace("list cases -k '(Counter or Dict'", false);
  INFO(bad.out);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.out, ContainsSubstring("-k '(Counter or Dict' is not a valid expression"));
  CHECK_THAT(bad.out, ContainsSubstring("expected ')'"));
}

TEST_CASE("an unknown subcommand is named, with the list of subcommands (exit 2)", "[integration][cli]") {
  Run r = pyrace("frobnicate cases", false);
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.out, ContainsSubstring("unknown subcommand 'frobnicate'"));
  CHECK_THAT(r.out, ContainsSubstring("the subcommands are: run, list, report, explain, table, repro, compare"));
  CHECK_THAT(r.out, !ContainsSubstring("__worker"));
  Run none = pyrace("", false);
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.out, ContainsSubstring("no subcommand; the subcommands are: run, list"));
  Run help = pyrace("--help", false);
  CHECK(help.exit_code == 0);
}
