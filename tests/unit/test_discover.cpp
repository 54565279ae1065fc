#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>
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

namespace {
std::vector<std::string> names_for(const std::vector<std::string>& keywords) {
  std::vector<CaseFile> all = {{"Counter_01_NoLock", "a"},
                               {"Counter_02_Lock", "b"},
                               {"Dict_01_NoLock", "c"},
                               {"Set_01_Add", "d"},
                               {"List_01_Append", "e"}};
  std::vector<std::string> out;
  for (const auto& c : filter_by_keywords(all, keywords)) out.push_back(c.name);
  return out;
}
}  // namespace

TEST_CASE("keyword filter: -k takes pytest's expressions: and, or, not, parentheses", "[discover][keyword]") {
  using V = std::vector<std::string>;
  CHECK(names_for({"Counter and not _Lock"}) == V{"Counter_01_NoLock"});
  CHECK(names_for({"Dict or Set"}) == V{"Dict_01_NoLock", "Set_01_Add"});
  CHECK(names_for({"(Dict or Counter) and NoLock"}) == V{"Counter_01_NoLock", "Dict_01_NoLock"});
  CHECK(names_for({"not (counter or dict)"}) == V{"Set_01_Add", "List_01_Append"});
  CHECK(names_for({"not not set"}) == V{"Set_01_Add"});
  CHECK(names_for({"counter or dict and nolock"}) ==
        V{"Counter_01_NoLock", "Counter_02_Lock", "Dict_01_NoLock"});  // and binds tighter
  CHECK(names_for({"COUNTER AND NOT _lock"}) == V{"Counter_01_NoLock"});  // keywords and names: any case
  CHECK(names_for({"((set))"}) == V{"Set_01_Add"});
}

TEST_CASE("repeated -k: selecting expressions are alternatives, excluding ones all apply", "[discover][keyword]") {
  using V = std::vector<std::string>;
  CHECK(names_for({"set", "list"}) == V{"Set_01_Add", "List_01_Append"});
  CHECK(names_for({"counter", "dict", "not nolock"}) == V{"Counter_02_Lock"});
  CHECK(names_for({"not counter", "not dict"}) == V{"Set_01_Add", "List_01_Append"});
  CHECK(names_for({"not  _lock"}) == V{"Counter_01_NoLock", "Dict_01_NoLock", "Set_01_Add", "List_01_Append"});
  CHECK(KeywordExpr("not lock").excludes_only());
  CHECK_FALSE(KeywordExpr("lock").excludes_only());
  CHECK_FALSE(KeywordExpr("not lock or dict").matches("Counter_02_Lock"));
}

TEST_CASE("a malformed -k expression is an error that says where and what", "[discover][keyword]") {
  struct Bad {
    const char* expr;
    const char* says;
  };
  for (const Bad& b : {Bad{"", "an empty expression"}, Bad{"   ", "an empty expression"},
                       Bad{"Counter and", "at column 12, expected a name, 'not' or '(' but the expression ends"},
                       Bad{"Counter Lock", "at column 9, expected 'and', 'or' or the end, got 'Lock'"},
                       Bad{"(Counter or Dict", "expected ')' to close the '(' at column 1"},
                       Bad{"Counter)", "')' without a matching '('"},
                       Bad{"and Counter", "at column 1, expected a name, 'not' or '(', got 'and'"},
                       Bad{"not", "expected a name, 'not' or '(' but the expression ends"},
                       Bad{"()", "at column 2, expected a name, 'not' or '(', got ')'"},
                       Bad{"a or or b", "at column 6, expected a name, 'not' or '(', got 'or'"}}) {
    INFO(b.expr);
    try {
      KeywordExpr e(b.expr);
      FAIL("accepted");
    } catch (const KeywordError& err) {
      std::string msg = err.what();
      CHECK(msg.find(std::string("-k '") + b.expr + "' is not a valid expression") != std::string::npos);
      CHECK(msg.find(b.says) != std::string::npos);
      INFO(msg);
    }
  }
  std::vector<CaseFile> all = {{"Counter_01", "a"}};
  CHECK_THROWS_AS(filter_by_keywords(all, {"counter", "counter and"}), DiscoveryError);
}
