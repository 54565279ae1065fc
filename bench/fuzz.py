"""Fuzzer benchmarks, measured side by side in one run; writes docs/generated/benchmarks-fuzz.md.

  1. executions per second on this machine's cores for generated programs of 4 threads x up to
     32 operations: the plain target and the TSan target, each running the same programs with
     one process per core;
  2. the same programs run the way script-generating fuzzers run them: one python3.14t
     subprocess per program (its reproducer script, one run), one process per core;
  3. RSS of the target after 1,000 and after 100,000 executions of the same programs;
  4. libFuzzer's own rate while fuzzing from the seed corpus (-jobs/-workers, as the nightly).

    python3.14t bench/fuzz.py --target build-fuzz/fuzz/pyrace-fuzz --tsan-target build-fuzz-tsan/fuzz/pyrace-fuzz \
        --python python3.14t --out docs/generated/benchmarks-fuzz.md
"""
import argparse
import datetime
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fuzz"))
import fuzz_driver as d  # noqa: E402

SOURCE = open(os.path.join(HERE, "..", "fuzz", "fuzz_driver.py")).read()


def programs(n, seed, full=True, locked=False):
    """n inputs that decode to 4 threads over 1 to 4 objects, each thread with 32 operations
    (full) or with 1 to 32 (uniformly: "up to 32"); locked: every operation under the lock."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        mode = 1 if locked else rnd.choice((0, 0, 2))
        head = bytes([next(b for b in range(256) if 2 + b % 3 == 4 and (b >> 2) % 3 == mode),
                      rnd.randrange(256)])
        objs = bytes(rnd.randrange(256) for _ in range(3 * d.MAX_OBJECTS))
        counts = [32 if full else rnd.randint(1, 32) for _ in range(4)]
        ops = bytearray()
        for k in range(max(counts)):
            for t in range(4):
                if k < counts[t]:  # thread t's k-th operation (the lock bit at random)
                    ops += bytes([t + (0x80 if rnd.random() < 0.5 else 0), rnd.randrange(256), rnd.randrange(256),
                                  rnd.randrange(256), rnd.randrange(256)])
        data = head + objs[:3 * (1 + head[1] % d.MAX_OBJECTS)] + bytes(ops)
        spec = d.decode(data)
        assert [len(t) for t in spec["threads"]] == counts, spec
        out.append(data)
    return out


def run_parallel(cmds, env=None):
    """Runs the commands at once (one per core); returns wall seconds and each one's (rc, maxrss KiB, output)."""
    start = time.perf_counter()
    procs = []
    for cmd in cmds:
        f = tempfile.TemporaryFile()
        procs.append((subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env), f))
    results = []
    for p, f in procs:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        f.seek(0)
        results.append((p.returncode, usage.ru_maxrss, f.read().decode(errors="replace")))
    return time.perf_counter() - start, results


def target_rate(target, files, runs, cores, env):
    """Executions per second of the target over the files, one process per core running at the
    same time, from libFuzzer's own "Executed FILE in N ms" lines: start-up is not counted (a
    fuzzing process starts once a night)."""
    files = list(files)
    dropped = []
    for _ in range(20):
        shares = [files[i::cores] for i in range(cores)]
        wall, res = run_parallel([[target, f"-runs={runs}", "-timeout=30", *share] for share in shares], env)
        crashed = [re.findall(r"^Running: (.*)$", out, re.M)[-1:] for rc, _, out in res if rc != 0]
        if not crashed:
            break
        for c in crashed:  # a program that crashes the interpreter only now and then: a finding, not a rate
            if c and c[0] in files:
                files.remove(c[0])
                dropped.append(c[0])
    else:
        raise SystemExit(f"bench-fuzz: {target} keeps crashing: {res[0][2][-2000:]}")
    rate = 0.0
    for share, (rc, _, out) in zip(shares, res):
        ms = sum(int(m) for m in re.findall(r"^Executed .* in (\d+) ms", out, re.M))
        rate += len(share) * runs / (ms / 1000)
    return rate, wall, dropped


def subprocess_rate(python, scripts, cores):
    """Programs per second with one python3.14t process per program (its script, one run)."""
    start = time.perf_counter()
    running, done, fails = [], 0, 0
    queue = list(scripts)
    while queue or running:
        while queue and len(running) < cores:
            running.append(subprocess.Popen([python, queue.pop(), "--runs", "1"], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL))
        p = running.pop(0)
        fails += p.wait() != 0
        done += 1
    return done / (time.perf_counter() - start), fails


# Long: the measurements in the order the report shows them, each block writing its own section.
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", required=True)
    ap.add_argument("--tsan-target", default="")
    ap.add_argument("--python", required=True, help="plain python3.14t (release) for the subprocess baseline")
    ap.add_argument("--out", required=True)
    ap.add_argument("--programs", type=int, default=200)
    ap.add_argument("--fuzz-seconds", type=int, default=60)
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    work = tempfile.mkdtemp(prefix="pyrace-bench-fuzz-")
    env = dict(os.environ, TSAN_OPTIONS="report_bugs=0")  # throughput, not findings: no report ends a run
    sets = {}
    for label, full in (("4 x 32", True), ("4 x up to 32", False)):
        files = []
        for i, data in enumerate(programs(args.programs, seed=2026, full=full)):
            path = os.path.join(work, f"{'full' if full else 'upto'}{i:04d}")
            with open(path, "wb") as f:
                f.write(data)
            with open(path + ".py", "w") as f:
                f.write(d.render(d.decode(data), SOURCE))
            files.append(path)
        # Programs that crash the interpreter end a libFuzzer run: keep the ones that do not.
        ok = [p for p in files if subprocess.run([args.target, "-runs=3", p], capture_output=True, env=env).returncode == 0]
        sets[label] = (files, ok)
        print(f"bench-fuzz: {label}: {len(ok)} of {len(files)} programs run clean in the plain target", flush=True)

    results = {}
    for label, (files, ok) in sets.items():
        plain, _, dropped = target_rate(args.target, ok, 20, cores, env)
        ok = [f for f in ok if f not in dropped]
        tsan = None
        if args.tsan_target:
            tsan, _, _ = target_rate(args.tsan_target, ok[: max(cores, len(ok) // 2)], 4, cores, env)
        sub, fails = subprocess_rate(args.python, [p + ".py" for p in ok], cores)
        results[label] = (plain, tsan, sub, len(files) - len(ok), len(files))
        print(f"bench-fuzz: {label}: plain {plain:,.0f}/s, TSan {tsan or 0:,.0f}/s, one python3.14t per program "
              f"{sub:,.1f}/s ({fails} did not exit 0; {len(files) - len(ok)} crashing programs left out)", flush=True)
    ok_files = sets["4 x 32"][1]

    # RSS of one process over 100 programs (4 x 32, every operation under the program's lock, so
    # that no crash ends the process early), in 100 passes of 10 runs each: VmRSS after the first
    # pass (1,000 executions, every program seen) and after the last (100,000).
    rss_files = []
    for i, data in enumerate(programs(100, seed=7, locked=True)):
        rss_files.append(os.path.join(work, f"locked{i:03d}"))
        with open(rss_files[-1], "wb") as f:
            f.write(data)
    p = subprocess.Popen([args.target, "-runs=10", *(rss_files * 100)], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env, text=True, errors="replace")
    done, rss = 0, {}
    for line in p.stdout:
        if line.startswith("Executed "):
            done += 10
            if done in (1000, 10000, 100000):
                with open(f"/proc/{p.pid}/status") as f:
                    rss[done] = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024
    p.wait()
    rss_1k, rss_100k = rss.get(1000, 0.0), rss.get(100000, 0.0)
    print(f"bench-fuzz: RSS after 1,000 executions {rss_1k:.1f} MiB, after 100,000 {rss_100k:.1f} MiB", flush=True)

    # libFuzzer's rate while fuzzing from the seeds, as the nightly runs it (fork mode).
    fz = os.path.join(work, "fuzzing")
    os.makedirs(os.path.join(fz, "corpus"))
    for seed in os.listdir(os.path.join(HERE, "..", "fuzz", "corpus")):
        shutil.copy(os.path.join(HERE, "..", "fuzz", "corpus", seed), os.path.join(fz, "corpus"))
    p = subprocess.run([os.path.abspath(args.target), f"-fork={cores}", "-ignore_crashes=1", "-ignore_timeouts=1",
                        "-ignore_ooms=1", f"-max_total_time={args.fuzz_seconds}", "-print_funcs=0", "-max_len=700",
                        "-timeout=10", "-artifact_prefix=" + fz + "/", "corpus"],
                       cwd=fz, env=env, capture_output=True, text=True, errors="replace")
    execs = [int(m) for m in re.findall(r"^#(\d+): cov", p.stdout + p.stderr, re.M)]
    fuzz_rate = max(execs, default=0) / args.fuzz_seconds
    print(f"bench-fuzz: fuzzing from the seeds, fork mode on {cores} cores: {fuzz_rate:,.0f} execs/s", flush=True)

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Fuzzer benchmarks", "",
        f"Measured {now} on {cores} cores by `bench/run --fuzz` (bench/fuzz.py), side by side in one run.",
        f"Programs: {args.programs} generated inputs per row that decode to 4 threads over 1-4 shared objects,",
        "each thread with 32 operations, or with 1 to 32 (uniform). Programs that crashed the interpreter",
        "(a finding, and the end of a libFuzzer run) are left out of every column of their row.", "",
        "| programs | plain target | TSan target | one `python3.14t` per program | plain / subprocess | TSan / subprocess |",
        "|---|---|---|---|---|---|",
    ]
    for label, (plain, tsan, sub, dropped, total) in results.items():
        lines.append(f"| {label} ({dropped} of {total} crashed) | {plain:,.0f} execs/s | "
                     f"{f'{tsan:,.0f} execs/s' if tsan else 'n/a'} | {sub:,.1f} programs/s | {plain / sub:,.0f}x | "
                     f"{f'{tsan / sub:,.1f}x' if tsan else ''} |")
    lines += [
        "",
        "Targets: one process per core, all running at once; rates from libFuzzer's own per-input timings",
        "(start-up excluded: a fuzzing process starts once a night). Subprocess: the program's reproducer",
        "script, one run, in the release `python3.14t` (faster than the coverage-instrumented `fuzz`",
        "interpreter the targets embed), one process per core: the way script-generating fuzzers run.", "",
        f"Fuzzing from the seed corpus as the nightly does (libFuzzer `-fork={cores} -ignore_crashes=1`, "
        f"{args.fuzz_seconds} s: mutated programs of any size, job restarts after every crash and libFuzzer's corpus "
        f"bookkeeping included): {fuzz_rate:,.0f} execs/s.", "",
        "Memory of one plain target process running 100 programs (4 x 32, every operation under the",
        "program's lock, so that no crash ends the process early) in 100 passes of 10 runs each:", "",
        "| executions | RSS |", "|---|---|",
        f"| 1,000 (the first pass: every program seen once) | {rss_1k:.1f} MiB |",
        f"| 10,000 | {rss.get(10000, 0):.1f} MiB |",
        f"| 100,000 | {rss_100k:.1f} MiB ({(rss_100k / rss_1k - 1) * 100 if rss_1k else 0:+.1f}%) |", "",
        "Each input's objects and argument values are built afresh, run on four persistent native threads",
        "released together, checked by the oracles and dropped; a garbage collection runs every 256 inputs.",
    ]
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    print(f"bench-fuzz: wrote {args.out}")


if __name__ == "__main__":
    main()
