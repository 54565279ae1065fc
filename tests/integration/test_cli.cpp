// pyrace's global flags and internal subcommands end to end: --version, __flags-md.
#include "support.hpp"

using namespace pyrace_it;

TEST_CASE("pyrace --version prints the version CMake's project() declares, and exits 0", "[integration][cli]") {
  Run r = pyrace("--version", false);
  CHECK(r.exit_code == 0);
  CHECK(r.out == std::string("pyrace ") + PYRACE_PROJECT_VERSION + "\n");
}

TEST_CASE("__flags-md prints the flag reference, without the internal subcommands", "[integration][cli][flags]") {
  Run r = pyrace("__flags-md", false);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("# pyrace command-line reference"));
  CHECK_THAT(r.out, ContainsSubstring("## pyrace replay"));
  CHECK_THAT(r.out, !ContainsSubstring("__worker"));
}
