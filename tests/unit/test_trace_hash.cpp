// The state cache's fingerprint (harness/worker/trace_hash.hpp): equivalent schedule prefixes
// (the same steps, every dependent pair in the same order) give the same value; reordering a
// dependent pair, or a different set of steps, changes it. No interpreter: accesses are made up.
#include <catch2/catch_test_macros.hpp>

#include <utility>
#include <vector>

#include "worker/trace_hash.hpp"

using pyrace::Access;
using pyrace::TraceHash;

namespace {
int x_obj, y_obj;  // two distinct "objects": only their addresses matter
const char* kAttr = "n";

Access reads(const void* obj) {
  Access a = Access::local();
  a.add(obj, kAttr, false);
  return a;
}
Access writes(const void* obj) {
  Access a = Access::local();
  a.add(obj, kAttr, true);
  return a;
}

std::uint64_t run(int threads, const std::vector<std::pair<int, Access>>& steps) {
  TraceHash h;
  h.reset(threads);
  for (const auto& [t, a] : steps) h.step(t, a);
  return h.value();
}
}  // namespace

TEST_CASE("trace hash: independent steps commute, dependent ones do not", "[unit][explore]") {
  // Two reads of one location, or accesses to two locations, commute.
  CHECK(run(2, {{0, reads(&x_obj)}, {1, reads(&x_obj)}}) == run(2, {{1, reads(&x_obj)}, {0, reads(&x_obj)}}));
  CHECK(run(2, {{0, writes(&x_obj)}, {1, writes(&y_obj)}}) == run(2, {{1, writes(&y_obj)}, {0, writes(&x_obj)}}));
  CHECK(run(2, {{0, Access::local()}, {1, Access::anything()}}) ==
        run(2, {{1, Access::anything()}, {0, Access::local()}}));
  // A write against a read or a write of the same location, or anything against anything, does not.
  CHECK(run(2, {{0, writes(&x_obj)}, {1, reads(&x_obj)}}) != run(2, {{1, reads(&x_obj)}, {0, writes(&x_obj)}}));
  CHECK(run(2, {{0, writes(&x_obj)}, {1, writes(&x_obj)}}) != run(2, {{1, writes(&x_obj)}, {0, writes(&x_obj)}}));
  CHECK(run(2, {{0, Access::anything()}, {1, reads(&y_obj)}}) != run(2, {{1, reads(&y_obj)}, {0, Access::anything()}}));
}

TEST_CASE("trace hash: the same steps in an equivalent order, across a longer prefix", "[unit][explore]") {
  // Counter_03's shape: each thread reads s.n then writes it; T0's pair and T1's pair on
  // different objects commute as blocks and step by step.
  const std::vector<std::pair<int, Access>> a = {
      {0, reads(&x_obj)}, {0, writes(&x_obj)}, {1, reads(&y_obj)}, {1, writes(&y_obj)}};
  const std::vector<std::pair<int, Access>> b = {
      {1, reads(&y_obj)}, {0, reads(&x_obj)}, {1, writes(&y_obj)}, {0, writes(&x_obj)}};
  CHECK(run(2, a) == run(2, b));
  // On one object, the lost update (both read before either writes) is another state than the
  // serial order.
  const std::vector<std::pair<int, Access>> serial = {
      {0, reads(&x_obj)}, {0, writes(&x_obj)}, {1, reads(&x_obj)}, {1, writes(&x_obj)}};
  const std::vector<std::pair<int, Access>> lost = {
      {0, reads(&x_obj)}, {1, reads(&x_obj)}, {1, writes(&x_obj)}, {0, writes(&x_obj)}};
  CHECK(run(2, serial) != run(2, lost));
  // A prefix is not the whole: one step more is another state.
  CHECK(run(2, {{0, reads(&x_obj)}}) != run(2, {{0, reads(&x_obj)}, {0, Access::local()}}));
  // after() predicts step() without taking it.
  TraceHash h;
  h.reset(3);
  h.step(2, writes(&x_obj));
  const std::uint64_t predicted = h.after(1, reads(&x_obj));
  h.step(1, reads(&x_obj));
  CHECK(predicted == h.value());
}

TEST_CASE("access: more locations than it can hold turn into anything", "[unit][explore]") {
  Access a = Access::local();
  int objs[Access::kMaxLocs + 1];
  for (int& o : objs) a.add(&o, nullptr, false);
  CHECK(a.kind == Access::Kind::Anything);
}
