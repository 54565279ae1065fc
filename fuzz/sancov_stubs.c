/* Weak no-op SanitizerCoverage callbacks, linked into the fuzz interpreter variants.
 *
 * The interpreter is compiled with -fsanitize=fuzzer-no-link so that libFuzzer sees its
 * coverage, but libFuzzer itself is linked only into the fuzz target. Without these, configure's
 * test programs, ./python and the build's helper programs would not link. Being weak, they
 * are overridden by libFuzzer's definitions when libpython is loaded by a fuzz target (the
 * sanitizer runtimes define the same weak symbols; see scripts/lib/cpython.sh). */
#include <stddef.h>
#include <stdint.h>

#define STUB(name, ...) __attribute__((weak, visibility("default"))) void name(__VA_ARGS__) {}
STUB(__sanitizer_cov_8bit_counters_init, uint8_t *a, uint8_t *b)
STUB(__sanitizer_cov_bool_flag_init, uint8_t *a, uint8_t *b)
STUB(__sanitizer_cov_pcs_init, const uintptr_t *a, const uintptr_t *b)
STUB(__sanitizer_cov_trace_pc_indir, uintptr_t callee)
STUB(__sanitizer_cov_trace_cmp1, uint8_t a, uint8_t b)
STUB(__sanitizer_cov_trace_cmp2, uint16_t a, uint16_t b)
STUB(__sanitizer_cov_trace_cmp4, uint32_t a, uint32_t b)
STUB(__sanitizer_cov_trace_cmp8, uint64_t a, uint64_t b)
STUB(__sanitizer_cov_trace_const_cmp1, uint8_t a, uint8_t b)
STUB(__sanitizer_cov_trace_const_cmp2, uint16_t a, uint16_t b)
STUB(__sanitizer_cov_trace_const_cmp4, uint32_t a, uint32_t b)
STUB(__sanitizer_cov_trace_const_cmp8, uint64_t a, uint64_t b)
STUB(__sanitizer_cov_trace_switch, uint64_t val, uint64_t *cases)
STUB(__sanitizer_cov_trace_div4, uint32_t val)
STUB(__sanitizer_cov_trace_div8, uint64_t val)
STUB(__sanitizer_cov_trace_gep, uintptr_t idx)
STUB(__sanitizer_cov_trace_pc_guard_init, uint32_t *a, uint32_t *b)
STUB(__sanitizer_cov_trace_pc_guard, uint32_t *guard)
/* -fsanitize-coverage=stack-depth (part of fuzzer-no-link) writes this thread-local. */
__attribute__((weak, visibility("default"))) __thread uintptr_t __sancov_lowest_stack;
