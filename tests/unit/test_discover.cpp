#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "results/discover.hpp"

using namespace pyrace;
namespace fs = std::filesystem;

namespace {
struct TempTree {
  fs::path root;
  TempTree() {
    root = fs::temp_directory_path() / ("pyrace-discover-" + std::to_string(::getpid()));
    fs::remove_all(root);
    for (const char* f : {"b/Counter_02.py", "b/Counter_01.py", "a/List_01.py", "a/_helper.py", "a/__pycache__/x.py",
                          ".hidden/Secret.py", "notes.txt"}) {
      fs::create_directories((root / f).parent_path());
      std::ofstream(root / f) << "\n";
    }
  }
  ~TempTree() { fs::remove_all(root); }
};
}  // namespace

TEST_CASE("folders are searched recursively, in path order, skipping helpers", "[discover]") {
  TempTree t;
  auto cases = discover({t.root.string()});
  REQUIRE(cases.size() == 3);
  CHECK(cases[0].name == "List_01");
  CHECK(cases[1].name == "Counter_01");
  CHECK(cases[2].name == "Counter_02");
}

TEST_CASE("files are taken as given; missing paths are an error", "[discover]") {
  TempTree t;
  auto cases = discover({(t.root / "a/_helper.py").string()});
  REQUIRE(cases.size() == 1);
  CHECK(cases[0].name == "_helper");
  CHECK_THROWS_AS(discover({(t.root / "nope").string()}), DiscoveryError);
}

TEST_CASE("keyword filter keeps matching names, case-insensitively; 'not X' excludes", "[discover]") {
  std::vector<CaseFile> all = {{"Counter_01_NoLock", "x"}, {"Counter_02_Lock", "y"}, {"Dict_01_NoLock", "z"}};
  CHECK(filter_by_keywords(all, {}).size() == 3);
  CHECK(filter_by_keywords(all, {"counter"}).size() == 2);
  CHECK(filter_by_keywords(all, {"dict", "counter_02"}).size() == 2);
  auto no_lock = filter_by_keywords(all, {"counter", "not _lock"});
  REQUIRE(no_lock.size() == 1);
  CHECK(no_lock[0].name == "Counter_01_NoLock");
}
