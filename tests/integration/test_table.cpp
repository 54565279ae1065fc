// pyrace table end to end.
#include "support.hpp"

using namespace pyrace_it;

TEST_CASE("table measures the quoted table, GIL off and on", "[integration][cli][report]") {
  Run r = pyrace("table --trials 20", false);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("shared counter without lock"));
  CHECK_THAT(r.out, ContainsSubstring("isolated tasks"));
  CHECK_THAT(r.out, ContainsSubstring("proper locking"));
  CHECK_THAT(r.out, ContainsSubstring("GIL on"));
}
