// The worker's engine (harness/worker): the actor pool, and run_case on tiny cases written to a
// temporary folder. No timing assertions: deadlines are generous backstops against a hang only.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "embed_main.hpp"
#include "worker/worker.hpp"  // import_loader: the embedded loader and the names it imports
#include "py/interp.hpp"
#include "py/ref.hpp"
#include "worker/actor_pool.hpp"
#include "worker/engine.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;
using pyrace::py::Ref;

namespace {

constexpr auto kBackstop = std::chrono::seconds(120);  // only ever reached if something hangs

// All actors of one run wait here for each other; false if the backstop ran out first.
class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  bool arrive_and_wait() {
    pyrace::py::Detached d;  // wait detached: a stop-the-world phase must not wait for us
    std::unique_lock<std::mutex> lock(mu_);
    if (++arrived_ == n_) cv_.notify_all();
    return cv_.wait_for(lock, kBackstop, [&] { return arrived_ >= n_; });
  }

 private:
  const int n_;
  int arrived_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
};

// Counts the pool threads that ended: a thread_local's destructor runs as its thread exits.
std::atomic<int> g_exited{0};
struct ExitCounter {
  bool armed = false;
  ~ExitCounter() {
    if (armed) ++g_exited;
  }
};
thread_local ExitCounter t_exit_counter;

}  // namespace

TEST_CASE("actor pool: every actor index runs exactly once per run, actor 0 on the caller", "[engine]") {
  for (int threads : {1, 2, 3, 5}) {  // fewer, as many and more actors than a 2-core machine has
    INFO("threads " << threads);
    pyrace::ActorPool pool(pyrace_test::interp(), threads, false);
    REQUIRE(pool.size() == threads);
    std::vector<std::atomic<int>> runs(threads);
    std::atomic<bool> zero_on_caller{false};
    const auto caller = std::this_thread::get_id();
    for (int round = 1; round <= 3; ++round) {
      pool.run([&](int t) {
        ++runs.at(t);
        if (t == 0) zero_on_caller = std::this_thread::get_id() == caller;
      });
      for (int t = 0; t < threads; ++t) CHECK(runs[t].load() == round);
    }
    CHECK(zero_on_caller);
  }
}

TEST_CASE("actor pool: the actors of a run are running at the same time", "[engine]") {
  for (int threads : {2, 3}) {
    INFO("threads " << threads);
    pyrace::ActorPool pool(pyrace_test::interp(), threads, false);
    for (int round = 0; round < 3; ++round) {
      // Each actor waits for all the others: this returns only if they all run concurrently.
      Barrier barrier(threads);
      std::atomic<int> met{0};
      pool.run([&](int) {
        if (barrier.arrive_and_wait()) ++met;
      });
      CHECK(met == threads);
    }
  }
}

TEST_CASE("actor pool: repeated runs reuse the same threads, each attached to the interpreter", "[engine]") {
  const int threads = 3;
  const int states_before = pyrace_test::thread_states();
  pyrace::ActorPool pool(pyrace_test::interp(), threads, false);
  CHECK(pyrace_test::thread_states() == states_before + threads - 1);  // one thread state per helper
  std::vector<std::thread::id> first(threads), now(threads);
  std::vector<std::atomic<bool>> attached(threads);
  pool.run([&](int t) { first[t] = std::this_thread::get_id(); });
  for (int round = 0; round < 3; ++round) {
    pool.run([&](int t) {
      now[t] = std::this_thread::get_id();
      attached[t] = PyThreadState_GetUnchecked() != nullptr && PyInterpreterState_Get() == pyrace_test::interp();
    });
    CHECK(now == first);
  }
  for (int t = 0; t < threads; ++t) CHECK(attached[t]);
  for (int t = 1; t < threads; ++t) CHECK(first[t] != first[0]);
  CHECK(pyrace_test::thread_states() == states_before + threads - 1);  // no new thread states either
}

TEST_CASE("actor pool: destruction joins the threads and deletes their thread states", "[engine]") {
  const int threads = 4;
  const int states_before = pyrace_test::thread_states();
  g_exited = 0;
  {
    pyrace::ActorPool pool(pyrace_test::interp(), threads, false);
    pool.run([&](int t) {
      if (t != 0) t_exit_counter.armed = true;
    });
    CHECK(g_exited == 0);
  }
  CHECK(g_exited == threads - 1);  // join() returned only after each thread had ended
  CHECK(pyrace_test::thread_states() == states_before);
}

TEST_CASE("actor pool: with the GIL flagged on, every index still runs once per run", "[engine]") {
  pyrace::ActorPool pool(pyrace_test::interp(), 3, true);
  std::vector<std::atomic<int>> runs(3);
  for (int round = 1; round <= 2; ++round) {
    pool.run([&](int t) { ++runs.at(t); });
    for (int t = 0; t < 3; ++t) CHECK(runs[t].load() == round);
  }
}

namespace {

// A case source written into a fresh temporary folder, loaded by pyrace's own loader.
struct TinyCase {
  fs::path dir;
  pyrace::LoadedCase lc;
  long threads = 0;

  TinyCase(const std::string& name, const std::string& source, int nthreads, long iterations) {
    dir = fs::temp_directory_path() / ("pyrace-engine-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::path file = dir / (name + ".py");
    std::ofstream(file) << source;
    lc.loader = loader();
    lc.path = Ref::steal(PyUnicode_DecodeFSDefault(file.c_str()));
    REQUIRE(lc.path);
    Ref name_obj = Ref::steal(PyUnicode_FromString(name.c_str()));
    lc.obj = Ref::steal(PyObject_CallMethod(lc.loader.get(), "load", "OO", lc.path.get(), name_obj.get()));
    if (!lc.obj) FAIL("the loader refused the case: " << pyrace::py::fetch_error().traceback);
    Ref shape = Ref::steal(PyObject_GetAttrString(lc.obj.get(), "shape"));
    lc.shape = pyrace::py::to_string(shape.get());
    Ref actors = Ref::steal(PyObject_GetAttrString(lc.obj.get(), "actors"));
    threads = PyList_Size(actors.get()) == 1 ? nthreads : PyList_Size(actors.get());
    Ref done = Ref::steal(
        PyObject_CallMethod(lc.loader.get(), "configure", "Oil", lc.obj.get(), static_cast<int>(threads), iterations));
    REQUIRE(done);
  }

  static Ref loader() {
    // Imported once and never released: a static Ref would be decrefed after finalisation.
    static PyObject* l = pyrace::import_loader().release();
    REQUIRE(l);
    return Ref::borrow(l);
  }
};

// Parameters that stop on the trial budget: the time budget is a backstop, never the reason.
pyrace::EngineParams params(int threads, long iterations, long trials) {
  pyrace::EngineParams p;
  p.threads = threads;
  p.iterations = iterations;
  p.trials = trials;
  p.time_budget_s = 600;
  return p;
}

long total(const pyrace::EngineResult& r) {
  long n = 0;
  for (const auto& o : r.outcomes) n += o.count;
  return n;
}

// list.append is atomic in the free-threaded build, so every call of every actor is counted.
const char* kAppends = R"(
EXPECT = "safe"

def setup():
    return []

def actor(s, index):
    s.append(index)

def arbiter(s):
    return "all counted" if len(s) == THREADS * ITERATIONS else "lost updates"

OUTCOMES = {"all counted": "ACCEPTABLE", "lost updates": "FORBIDDEN"}

def damage(s):
    return 0.25
)";

}  // namespace

TEST_CASE("engine: a loop case runs its trial budget, every outcome counted and graded", "[engine]") {
  TinyCase c("Engine_Appends", kAppends, 3, 50);
  pyrace::EngineResult r = pyrace::run_case(pyrace_test::interp(), c.lc, params(3, 50, 7));
  INFO(r.error << "\n" << r.traceback);
  REQUIRE(r.ok);
  CHECK(r.trials == 7);
  CHECK(r.rounds == 7);  // loop shape: one state per round
  CHECK(r.stop_reason == "budget");
  REQUIRE(r.outcomes.size() == 1);
  CHECK(r.outcomes[0].outcome == "'all counted'");
  CHECK(r.outcomes[0].grade == "ACCEPTABLE");
  CHECK(r.outcomes[0].listed);
  CHECK(total(r) == r.trials);
  CHECK(r.first_forbidden_s < 0);
  CHECK(r.damage_n == 7);
  CHECK(r.damage_min == 0.25);
  CHECK(r.damage_max == 0.25);
  CHECK(PyErr_Occurred() == nullptr);
}

TEST_CASE("engine: named actors run one thread each, every one of them on every state", "[engine]") {
  TinyCase c("Engine_Named", R"(
EXPECT = "safe"
SHAPE = "single"

def setup():
    return []

def actor_left(s):
    s.append("left")

def actor_right(s):
    s.append("right")

def actor_middle(s, index):
    s.append(index)

def arbiter(s):
    return tuple(sorted(map(str, s)))
)",
             2, 1);
  REQUIRE(c.threads == 3);
  pyrace::EngineResult r = pyrace::run_case(pyrace_test::interp(), c.lc, params(2, 1, 100));
  INFO(r.error << "\n" << r.traceback);
  REQUIRE(r.ok);
  CHECK(r.trials == 100);  // single shape: exactly the budget, however the states were strided
  CHECK(r.stop_reason == "budget");
  REQUIRE(r.outcomes.size() == 1);
  // Actor index follows definition order: actor_middle is the third actor, index 2.
  CHECK(r.outcomes[0].outcome == "('2', 'left', 'right')");
  CHECK(r.outcomes[0].grade == "FORBIDDEN");  // not in OUTCOMES: the implicit default
  CHECK_FALSE(r.outcomes[0].listed);
}

TEST_CASE("engine: early stop ends the run at the first forbidden outcome", "[engine]") {
  TinyCase c("Engine_AlwaysForbidden", R"(
EXPECT = "racy"

def setup():
    return [0]

def actor(s):
    pass

def arbiter(s):
    return "bad"

OUTCOMES = {"bad": "FORBIDDEN"}
)",
             2, 10);
  pyrace::EngineParams p = params(2, 10, 1000);
  p.early_stop = true;
  pyrace::EngineResult r = pyrace::run_case(pyrace_test::interp(), c.lc, p);
  REQUIRE(r.ok);
  CHECK(r.stop_reason == "forbidden");
  CHECK(r.rounds == 1);
  CHECK(r.trials == 1);
  CHECK(r.first_forbidden_s >= 0);
  REQUIRE(r.outcomes.size() == 1);
  CHECK(r.outcomes[0].grade == "FORBIDDEN");
  CHECK(r.outcomes[0].listed);
}

TEST_CASE("engine: an exception in setup, arbiter or damage is an error result naming phase and line", "[engine]") {
  struct Row {
    const char* name;
    const char* phase;
    const char* error;
    int line;
  };
  // Line 1 of each source is WHERE = "..."; the template's lines follow it.
  const char* source_tmpl = R"(
EXPECT = "safe"

def setup():
    if WHERE == "setup": raise ZeroDivisionError("in setup")
    return [0]

def actor(s):
    if WHERE == "actor": raise ValueError("in actor")

def arbiter(s):
    if WHERE == "arbiter": raise KeyError("in arbiter")
    return "ok"

def damage(s):
    if WHERE == "damage": raise RuntimeError("in damage")
    return 0.0

OUTCOMES = {"ok": "ACCEPTABLE"}
)";
  for (const Row& row : {Row{"setup", "setup", "ZeroDivisionError: in setup", 5},
                         Row{"arbiter", "arbiter", "KeyError: 'in arbiter'", 12},
                         Row{"damage", "damage", "RuntimeError: in damage", 16}}) {
    INFO(row.name);
    std::string source = std::string("WHERE = \"") + row.name + "\"" + source_tmpl;  // line 1 is WHERE
    TinyCase c(std::string("Engine_Raises_") + row.name, source, 2, 5);
    pyrace::EngineResult r = pyrace::run_case(pyrace_test::interp(), c.lc, params(2, 5, 10));
    CHECK_FALSE(r.ok);
    CHECK(r.phase == row.phase);
    CHECK(r.error == row.error);
    CHECK(r.line == row.line);
    CHECK(r.stop_reason == "error");
    CHECK_THAT(r.traceback, ContainsSubstring(std::string("Engine_Raises_") + row.name + ".py"));
    CHECK(PyErr_Occurred() == nullptr);  // taken into the result, not left behind
  }
}

TEST_CASE("engine: an arbiter returning too many distinct outcomes is an error", "[engine]") {
  TinyCase c("Engine_IdentityOutcomes", R"(
EXPECT = "safe"
SHAPE = "single"

def setup():
    return [0]

def actor(s):
    pass

def arbiter(s):
    return object()
)",
             2, 1);
  pyrace::EngineParams p = params(2, 1, 50);
  p.max_outcomes = 3;
  pyrace::EngineResult r = pyrace::run_case(pyrace_test::interp(), c.lc, p);
  CHECK_FALSE(r.ok);
  CHECK(r.phase == "arbiter");
  CHECK_THAT(r.error, ContainsSubstring("more than 3 distinct outcomes"));
  CHECK(r.outcomes.size() == 3);  // what was counted before the limit is kept
  CHECK(PyErr_Occurred() == nullptr);
}

TEST_CASE("engine: an exception escaping an actor is the outcome 'raised <type>' of its trial", "[engine]") {
  // Actor 1 raises KeyError on every third state (loop: trial) and actor 0 IndexError on every
  // fifth; the others reach the arbiter. Each kind keeps its first traceback and case line.
  const char* source = R"(
SHAPE = "%s"
EXPECT = "racy"
import itertools
_n = itertools.count()

def setup():
    return {"i": next(_n)}

def actor(s, index):
    if index == 1 and s["i"] %% 3 == 0: raise KeyError("gone")
    if index == 0 and s["i"] %% 5 == 0: [][1]

def arbiter(s):
    return "fine"

OUTCOMES = {"fine": "ACCEPTABLE", "raised IndexError": "INTERESTING"}
)";
  for (const char* shape : {"loop", "single"}) {
    INFO(shape);
    char buf[2048];
    std::snprintf(buf, sizeof buf, source, shape);
    TinyCase c(std::string("Engine_ActorRaises_") + shape, buf, 2, 3);
    pyrace::EngineResult r = pyrace::run_case(pyrace_test::interp(), c.lc, params(2, 3, 60));
    INFO(r.error << "\n" << r.traceback);
    REQUIRE(r.ok);
    CHECK(r.trials == 60);
    long fine = 0, key = 0, index = 0;
    for (const auto& o : r.outcomes) {
      if (o.outcome == "'fine'") fine = o.count;
      if (o.outcome == "'raised KeyError'") {
        key = o.count;
        CHECK(o.grade == "FORBIDDEN");  // not listed: the default grade
      }
      if (o.outcome == "'raised IndexError'") {
        index = o.count;
        CHECK(o.grade == "INTERESTING");  // OUTCOMES grades it
      }
    }
    CHECK(fine + key + index == 60);
    // States 0..59: multiples of 3 or 5 raise (28 of them); when both actors raise on one state
    // the first exception by time is the outcome, so only the sum is exact.
    CHECK(key + index == 28);
    CHECK(key >= 20 - 4);  // multiples of 3 not of 5: 16 are KeyError for sure
    CHECK(index >= 12 - 4);
    REQUIRE(r.raised.size() == 2);
    for (const auto& k : r.raised) {
      INFO(k.type);
      CHECK((k.type == "KeyError" || k.type == "IndexError"));
      CHECK(k.line == (k.type == "KeyError" ? 11 : 12));
      CHECK_THAT(k.traceback, ContainsSubstring(k.type));
      CHECK(k.count == (k.type == "KeyError" ? key : index));
    }
    CHECK(PyErr_Occurred() == nullptr);
  }
}

TEST_CASE("engine: an unhashable or oversized outcome is an arbiter error naming the arbiter's line", "[engine]") {
  for (const char* ret : {"[1, 2]", "'x' * 5000"}) {
    INFO(ret);
    std::string source = std::string(R"(
EXPECT = "safe"

def setup():
    return [0]

def actor(s):
    pass

def arbiter(s):
    return )") + ret + "\n";
    TinyCase c("Engine_BadOutcome", source, 2, 1);
    pyrace::EngineResult r = pyrace::run_case(pyrace_test::interp(), c.lc, params(2, 1, 5));
    CHECK_FALSE(r.ok);
    CHECK(r.phase == "arbiter");
    CHECK(r.line == 10);  // def arbiter: the error is raised in C, on its result
    if (std::string(ret).find('*') != std::string::npos) CHECK_THAT(r.error, ContainsSubstring("5002 characters"));
    CHECK(PyErr_Occurred() == nullptr);
  }
}

TEST_CASE("engine: concurrent trials never exceed trials, and one actor is always concurrent with itself", "[engine]") {
  TinyCase c("Engine_Concurrency", kAppends, 1, 10);
  pyrace::EngineResult one = pyrace::run_case(pyrace_test::interp(), c.lc, params(1, 10, 5));
  REQUIRE(one.ok);
  CHECK(one.concurrent_trials == one.trials);
  pyrace::EngineResult two = pyrace::run_case(pyrace_test::interp(), c.lc, params(2, 10, 5));
  REQUIRE(two.ok);
  CHECK(two.concurrent_trials >= 0);
  CHECK(two.concurrent_trials <= two.trials);
}

TEST_CASE("engine: actors may return values the arbiter takes as results, and loop actors get the iteration index",
          "[engine]") {
  // As jcstress's result tuples: results[t] is thread t's return (single) or list of returns (loop).
  const char* source = R"(
SHAPE = "%s"
EXPECT = "safe"

def setup():
    return []

def actor_a(s, index, i):
    s.append(i)
    return ("a", index, i)

def actor_b(s):
    return "b"

def arbiter(s, results):
    a, b = results
    if SHAPE == "loop":
        return (tuple(a), tuple(b))
    return (a, b)
)";
  for (const char* shape : {"loop", "single"}) {
    INFO(shape);
    char buf[1024];
    std::snprintf(buf, sizeof buf, source, shape);
    TinyCase c(std::string("Engine_Results_") + shape, buf, 2, 3);
    pyrace::EngineResult r = pyrace::run_case(pyrace_test::interp(), c.lc, params(2, 3, 8));
    INFO(r.error << "\n" << r.traceback);
    REQUIRE(r.ok);
    CHECK(r.trials == 8);
    REQUIRE(r.outcomes.size() == 1);
    if (std::string(shape) == "loop")
      CHECK(r.outcomes[0].outcome == "((('a', 0, 0), ('a', 0, 1), ('a', 0, 2)), ('b', 'b', 'b'))");
    else CHECK(r.outcomes[0].outcome == "(('a', 0, 0), 'b')");
  }
}
