// Where the fuzz target's time goes, per input: decoding and building the program (prepare),
// running its threads (run), the oracles (finish), and how together the actors ran. Enabled by
// PYRACE_FUZZ_STATS=FILE (JSON written at exit; bench/fuzz.py reads it); otherwise free.
#pragma once
#include <cstddef>

#include "fuzz_mutator.hpp"  // kMaxThreads

namespace pyrace::fuzz {

// One input's timestamps (steady clock, seconds) and each actor's thread CPU time inside it.
struct InputTimes {
  double begin = 0, prepared = 0, ran = 0, finished = 0;
  double start[kMaxThreads] = {}, end[kMaxThreads] = {}, cpu[kMaxThreads] = {};
};

void stats_open();  // reads PYRACE_FUZZ_STATS; the calls below do nothing without it
bool stats_on();
double stats_now();         // steady clock, seconds
double stats_thread_cpu();  // this thread's CPU time, seconds
void stats_record(const InputTimes& t, size_t threads);

}  // namespace pyrace::fuzz
