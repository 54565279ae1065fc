#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "results/record.hpp"
#include "results/tsan_report.hpp"

using namespace pyrace;
using Catch::Matchers::ContainsSubstring;

namespace {
// A report as clang-19's runtime writes it (shortened), from a build tree in the pyrace cache.
const char* kLog = R"(==================
WARNING: ThreadSanitizer: data race (pid=31154)
  Write of size 8 at 0x7f3f8cc3c158 by thread T1:
    #0 bump /work/main/tests/ext/racyext.c:12:10 (pyrace_racyext.so+0x11c4) (BuildId: 9831c1a8)
    #1 cfunction_vectorcall_NOARGS /root/.cache/pyrace/cpython/.staging-3.14.7-tsan-5f30348ea1-31640/src/Objects/methodobject.c:508:24 (libpython3.14t.so.1.0+0x1dd600) (BuildId: eec7f20d)
    #2 _PyObject_VectorcallTstate /root/.cache/pyrace/cpython/x/src/./Include/internal/pycore_call.h:177:11 (libpython3.14t.so.1.0+0x12d35c)
    #3 _PyFunction_Vectorcall /root/.cache/pyrace/cpython/x/src/Objects/call.c (libpython3.14t.so.1.0+0x12d9f1)
    #4 pyrace::(anonymous namespace)::call_driver(_object*, _object*) /work/main/harness/engine.cpp:151:17 (pyrace+0x226f75)
    #5 pyrace::ActorPool::thread_main(int) /work/main/harness/actor_pool.cpp:119:5 (pyrace+0x22af81)
    #6 <null> <null> (libstdc++.so.6+0xd44a2) (BuildId: 289ee39f)

  Previous atomic read of size 8 at 0x7f3f8cc3c158 by main thread (mutexes: write M1):
    #0 __tsan_atomic64_load <null> (pyrace+0x6bd71)
    #1 bump_atomic /home/me/cpython/Modules/_testmod.c:20:3 (pyrace_racyext.so+0x11d0)
    #2 cfunction_vectorcall_NOARGS /home/me/Python/cpython/Objects/methodobject.c:508:24 (libpython3.14t.so.1.0+0x1dd600)

  Location is global 'counter' of size 8 at 0x7f3f8cc3c158 (pyrace_racyext.so+0x4158)

  Thread T1 'pyrace-act-1' (tid=31163, running) created by main thread at:
    #0 pthread_create <null> (pyrace+0x6bd71)
    #1 pyrace::run_case(_is*) /work/main/harness/engine.cpp:179:15 (pyrace+0x2232e1)

SUMMARY: ThreadSanitizer: data race /work/main/tests/ext/racyext.c:12:10 in bump
==================
ThreadSanitizer: reported 1 warnings
ThreadSanitizer: Matched 1240 suppressions (pid=31154):
1231 race_top:rangeiter_next
9 thread:pthread_create
)";
}  // namespace

TEST_CASE("tsan: frames keep function, normalised file and line, and module", "[tsan]") {
  TsanFrame f;
  REQUIRE(
      parse_tsan_frame("    #1 cfunction_vectorcall_NOARGS /root/x/src/Objects/methodobject.c:508:24 "
                       "(libpython3.14t.so.1.0+0x1dd600) (BuildId: ee)",
                       f));
  CHECK(f.function == "cfunction_vectorcall_NOARGS");
  CHECK(f.file == "Objects/methodobject.c");
  CHECK(f.line == 508);
  CHECK(f.module == "libpython3.14t.so.1.0");
  // C++ names have spaces; the location is the last word before the module.
  REQUIRE(parse_tsan_frame(
      "    #4 pyrace::(anonymous namespace)::call_driver(_object*, _object*) /a/harness/engine.cpp:151:17 (pyrace+0x1)",
      f));
  CHECK(f.function == "pyrace::(anonymous namespace)::call_driver(_object*, _object*)");
  CHECK(f.file == "engine.cpp");
  CHECK(f.line == 151);
  // No line, no file, nothing at all known.
  REQUIRE(parse_tsan_frame("    #3 _PyFunction_Vectorcall /x/src/Objects/call.c (libpython3.14t.so.1.0+0x12d9f1)", f));
  CHECK(f.file == "Objects/call.c");
  CHECK(f.line == 0);
  REQUIRE(parse_tsan_frame("    #6 <null> <null> (libstdc++.so.6+0xd44a2) (BuildId: 28)", f));
  CHECK(f.function == "<null>");
  CHECK(f.file.empty());
  CHECK(format_frame(f) == "<null> (libstdc++.so.6)");
  CHECK_FALSE(parse_tsan_frame("  Location is global 'counter'", f));
}

TEST_CASE("tsan: CPython paths are cut at their top folder, wherever the tree was", "[tsan]") {
  CHECK(normalise_source_path("/root/.cache/pyrace/cpython/.staging-1/src/./Include/internal/pycore_call.h") ==
        "Include/internal/pycore_call.h");
  CHECK(normalise_source_path("/home/me/Python/cpython/Objects/dictobject.c") == "Objects/dictobject.c");
  CHECK(normalise_source_path("Python/ceval.c") == "Python/ceval.c");
  CHECK(normalise_source_path("/home/me/cpython/Modules/_io/bufferedio.c") == "Modules/_io/bufferedio.c");
  CHECK(normalise_source_path("/usr/lib/gcc/x86_64-linux-gnu/12/include/c++/12/bits/invoke.h") == "invoke.h");
}

TEST_CASE("tsan: a report gives accesses with threads and frames, a signature of function names, thread names",
          "[tsan]") {
  auto reports = parse_tsan_log(kLog);
  REQUIRE(reports.size() == 1);
  const TsanReport& r = reports[0];
  CHECK(r.type == "data race");
  // The signature skips TSan's runtime frames and sorts: stable across runs and build trees.
  CHECK(r.signature == "data race: bump | bump_atomic");
  REQUIRE(r.stacks.size() == 2);
  CHECK(r.stacks[0].kind == "Write");
  CHECK(r.stacks[0].thread == "T1");
  CHECK(r.stacks[0].frames.size() == 7);
  CHECK(r.stacks[1].kind == "Previous atomic read");
  CHECK(r.stacks[1].thread == "main");
  CHECK(r.stacks[1].frames.size() == 3);  // the thread's creation stack is not an access
  CHECK(r.accesses[0][0] == "bump");
  CHECK(r.thread_names.at("T1") == "pyrace-act-1");
  auto top = culprit_frames(r.stacks[1], 2);
  REQUIRE(top.size() == 2);
  CHECK(format_frame(top[0]) == "bump_atomic Modules/_testmod.c:20");
  CHECK(format_frame(top[1]) == "cfunction_vectorcall_NOARGS Objects/methodobject.c:508");
}

TEST_CASE("tsan: the matched-suppressions block of the exit statistics", "[tsan]") {
  auto s = parse_tsan_suppressions(kLog);
  REQUIRE(s.size() == 2);
  CHECK(s[0].suppression == "race_top:rangeiter_next");
  CHECK(s[0].count == 1231);
  CHECK(s[1].suppression == "thread:pthread_create");
  CHECK(s[1].count == 9);
  CHECK(parse_tsan_suppressions("ThreadSanitizer: reported 1 warnings\n").empty());
}

TEST_CASE("tsan: the message names the case, the actors and the top frames of both accesses", "[tsan][report]") {
  auto reports = parse_tsan_log(kLog);
  reports.push_back(reports[0]);
  std::string m = tsan_message(reports, TsanContext{"Tsan_01_RacyExtension", 2, {}});
  CHECK_THAT(m, ContainsSubstring("2 reports (1 distinct) in case Tsan_01_RacyExtension (actor() on 2 threads)"));
  CHECK_THAT(m, ContainsSubstring("data race: bump | bump_atomic x2"));
  CHECK_THAT(m,
             ContainsSubstring(
                 "Write by T1 (actor 1): bump racyext.c:12 < cfunction_vectorcall_NOARGS Objects/methodobject.c:508"));
  CHECK_THAT(m,
             ContainsSubstring(
                 "Previous atomic read by main thread (actor 0, setup, arbiter): bump_atomic Modules/_testmod.c:20"));
  // Named actors: thread i ran actor_<names[i]>.
  std::string n = tsan_message(reports, TsanContext{"Handoff", 2, {"producer", "consumer"}});
  CHECK_THAT(n, ContainsSubstring("2 named actors, one thread each"));
  CHECK_THAT(n, ContainsSubstring("by T1 (actor_consumer)"));
  CHECK_THAT(n, ContainsSubstring("by main thread (actor_producer, setup, arbiter)"));
  // A thread the case started itself keeps its own name.
  reports[0].thread_names["T1"] = "Thread-1 (work)";
  CHECK_THAT(tsan_message(reports, TsanContext{"X", 2, {}}),
             ContainsSubstring("by T1 'Thread-1 (work)' (started by the case)"));
}

TEST_CASE("tsan: the console report keeps the top frames of each stack and drops thread creation stacks",
          "[tsan][report]") {
  std::string t = trimmed_report(parse_tsan_log(kLog)[0], 2);
  CHECK_THAT(
      t, ContainsSubstring("    #0 bump racyext.c:12\n    #1 cfunction_vectorcall_NOARGS Objects/methodobject.c:508\n"
                           "      ... 5 more frames\n"));
  CHECK_THAT(t, ContainsSubstring("      ... 1 more frame\n"));
  CHECK_THAT(t, ContainsSubstring("Location is global 'counter'"));
  CHECK_THAT(t, ContainsSubstring("Thread T1 'pyrace-act-1' (tid=31163, running) created by main thread\n"));
  CHECK_THAT(t, !ContainsSubstring("pthread_create"));
  CHECK_THAT(t, !ContainsSubstring("BuildId"));
  CHECK_THAT(t, ContainsSubstring("SUMMARY: ThreadSanitizer: data race"));
}

TEST_CASE("tsan: stacks, thread names and collected suppressions survive the results file", "[tsan][results]") {
  Record r;
  r.name = "T";
  r.status = "ok";
  r.tsan = parse_tsan_log(kLog);
  r.tsan_suppressed = parse_tsan_suppressions(kLog);
  r.tsan_suppressed_collected = true;
  Record back = record_from_json(to_json(r));
  REQUIRE(back.tsan.size() == 1);
  CHECK(back.tsan[0].signature == r.tsan[0].signature);
  CHECK(back.tsan[0].stacks[1].frames[1].file == "Modules/_testmod.c");
  CHECK(back.tsan[0].thread_names.at("T1") == "pyrace-act-1");
  CHECK(back.verdict == Verdict::Tsan);
  REQUIRE(back.tsan_suppressed.size() == 2);
  CHECK(back.tsan_suppressed[0].count == 1231);
  // Not asked for: null in the file, and not "none matched" when read back.
  r.tsan_suppressed_collected = false;
  CHECK(to_json(r)["tsan_suppressed"].is_null());
  CHECK_FALSE(record_from_json(to_json(r)).tsan_suppressed_collected);
}
