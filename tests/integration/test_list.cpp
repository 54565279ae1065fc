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
