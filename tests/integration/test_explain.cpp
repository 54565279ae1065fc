// pyrace explain end to end.
#include "support.hpp"

#include <sstream>

using namespace pyrace_it;

TEST_CASE("explain shows why, the source, the bytecode window and the measured numbers", "[integration][cli]") {
  Run r = pyrace("explain Counter_01 --trials 20 --color never", false);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("Counter_01_AugAssign_NoLock"));
  CHECK_THAT(r.out, ContainsSubstring("LOAD_ATTR"));
  CHECK_THAT(r.out, ContainsSubstring("first read of shared state"));
  CHECK_THAT(r.out, ContainsSubstring("last write"));
  CHECK_THAT(r.out, ContainsSubstring("fixed twin Counter_02_AugAssign_Lock"));
  CHECK_THAT(r.out, ContainsSubstring("The fix costs"));
  for (const auto& line : [&] {
         std::vector<std::string> v;
         std::istringstream in(r.out);
         for (std::string l; std::getline(in, l);) v.push_back(l);
         return v;
       }()) {
    // 80 columns (box-drawing characters are 3 bytes, but one column, each)
    size_t cols = 0;
    for (unsigned char c : line) cols += (c & 0xC0) != 0x80;
    CHECK(cols <= 80);
  }
  Run ambiguous = pyrace("explain Counter --no-run", false);
  CHECK(ambiguous.exit_code == 2);
  CHECK_THAT(ambiguous.out, ContainsSubstring("matches"));
}
