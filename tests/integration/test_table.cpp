// pyrace table end to end.
#include "support.hpp"

using namespace pyrace_it;

TEST_CASE("table measures the quoted table, GIL off and on", "[integration][cli][report]") {
  // 20 trials bound a safe case's rate at 16%: SAFE against a 20% target (the default, 5%, needs 73).
  Run r = pyrace("table --trials 20 --max-rate 0.2", false);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("0% (<= 16%, 20 trials; target 20%)"));
  CHECK_THAT(r.out, ContainsSubstring("shared counter without lock"));
  CHECK_THAT(r.out, ContainsSubstring("isolated tasks"));
  CHECK_THAT(r.out, ContainsSubstring("proper locking"));
  CHECK_THAT(r.out, ContainsSubstring("GIL on"));
}
