"""Fuzzer benchmarks, measured side by side in one run; writes docs/benchmarks-fuzz.md.

  1. executions per second on this machine's cores for generated programs of 4 threads x up to
     32 operations: the plain target and the TSan target, each running the same programs with
     one process per core;
  2. the same programs run the way script-generating fuzzers run them: one python3.14t
     subprocess per program (its reproducer script, one run), one process per core;
  3. RSS of the target after 1,000 and after 100,000 executions of the same programs;
  4. libFuzzer's own rate while fuzzing from the seed corpus (-jobs/-workers, as the nightly).

    python3.14t bench/fuzz.py --target build-fuzz/fuzz/pyrace-fuzz --tsan-target build-fuzz-tsan/fuzz/pyrace-fuzz \
        --python python3.14t --out docs/benchmarks-fuzz.md
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


def programs(n, seed):
    """n inputs that decode to 4 threads with 32 operations each, over 1 to 4 objects."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        head = bytes([next(b for b in range(256) if 2 + b % 3 == 4 and (b >> 2) % 3 == rnd.choice((0, 0, 2))),
                      rnd.randrange(256)])
        objs = bytes(rnd.randrange(256) for _ in range(3 * d.MAX_OBJECTS))
        ops = bytearray()
        for k in range(4 * 32):
            ops += bytes([k % 4 + (0x80 if rnd.random() < 0.5 else 0),  # round robin: 32 each
                          rnd.randrange(256), rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)])
        data = head + objs[:3 * (1 + head[1] % d.MAX_OBJECTS)] + bytes(ops)
        spec = d.decode(data)
        assert len(spec["threads"]) == 4 and all(len(t) == 32 for t in spec["threads"]), spec
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
    """Executions per second of the target over the files, split across cores (-runs each)."""
    shares = [files[i::cores] for i in range(cores)]
    wall, res = run_parallel([[target, f"-runs={runs}", "-timeout=30", *share] for share in shares], env)
    bad = [r for r in res if r[0] != 0]
    return len(files) * runs / wall, wall, bad


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
    files, scripts = [], []
    for i, data in enumerate(programs(args.programs, seed=2026)):
        path = os.path.join(work, f"p{i:04d}")
        with open(path, "wb") as f:
            f.write(data)
        files.append(path)
        script = path + ".py"
        with open(script, "w") as f:
            f.write(d.render(d.decode(data), SOURCE))
        scripts.append(script)
    print(f"bench-fuzz: {len(files)} programs of 4 threads x 32 operations; {cores} cores", flush=True)

    # Programs that crash the interpreter end a libFuzzer run: keep the ones that do not.
    ok_files = []
    for path in files:
        rc = subprocess.run([args.target, "-runs=3", path], capture_output=True, env=env).returncode
        if rc == 0:
            ok_files.append(path)
    print(f"bench-fuzz: {len(ok_files)} of {len(files)} run clean in the plain target (the rest crash it)", flush=True)
    ok_scripts = [p + ".py" for p in ok_files]

    rows = []
    plain, plain_wall, bad = target_rate(args.target, ok_files, 20, cores, env)
    print(f"bench-fuzz: plain target {plain:,.0f} execs/s ({plain_wall:.1f} s)", flush=True)
    tsan = None
    if args.tsan_target:
        tsan_files = ok_files[: max(cores, len(ok_files) // 2)]
        tsan, tsan_wall, _ = target_rate(args.tsan_target, tsan_files, 4, cores, env)
        print(f"bench-fuzz: TSan target {tsan:,.0f} execs/s ({tsan_wall:.1f} s)", flush=True)
    sub, fails = subprocess_rate(args.python, ok_scripts, cores)
    print(f"bench-fuzz: one python3.14t per program {sub:,.1f} programs/s ({fails} did not exit 0)", flush=True)

    # RSS: the same 50 programs, 20 and 2,000 times each (1,000 and 100,000 executions).
    rss_files = ok_files[:50]
    _, (small,) = run_parallel([[args.target, "-runs=20", *rss_files]], env)
    _, (large,) = run_parallel([[args.target, "-runs=2000", *rss_files]], env)
    rss_1k, rss_100k = small[1] / 1024, large[1] / 1024
    print(f"bench-fuzz: max RSS after 1,000 executions {rss_1k:.1f} MiB, after 100,000 {rss_100k:.1f} MiB", flush=True)

    # libFuzzer's rate while fuzzing from the seeds, as the nightly runs it.
    fz = os.path.join(work, "fuzzing")
    os.makedirs(os.path.join(fz, "corpus"))
    for seed in os.listdir(os.path.join(HERE, "..", "fuzz", "corpus")):
        shutil.copy(os.path.join(HERE, "..", "fuzz", "corpus", seed), os.path.join(fz, "corpus"))
    subprocess.run([args.target, f"-jobs={cores}", f"-workers={cores}", f"-max_total_time={args.fuzz_seconds}",
                    "-print_funcs=0", "-max_len=700", "-timeout=10", "-artifact_prefix=" + fz + "/", "corpus"],
                   cwd=fz, env=env, capture_output=True)
    fuzz_execs = 0
    for log in os.listdir(fz):
        if log.startswith("fuzz-") and log.endswith(".log"):
            nums = [int(m) for m in re.findall(r"^#(\d+)", open(os.path.join(fz, log), errors="replace").read(), re.M)]
            fuzz_execs += max(nums, default=0)
    fuzz_rate = fuzz_execs / args.fuzz_seconds
    print(f"bench-fuzz: fuzzing from the seeds, {cores} jobs: {fuzz_rate:,.0f} execs/s", flush=True)

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Fuzzer benchmarks", "",
        f"Measured {now} on {cores} cores by `bench/run --fuzz` (bench/fuzz.py), side by side in one run.",
        f"Programs: {len(ok_files)} generated inputs that decode to 4 threads x 32 operations over 1-4 shared",
        f"objects ({len(files) - len(ok_files)} of {len(files)} generated were left out because they crash the",
        "interpreter: a crash ends a libFuzzer run).", "",
        "| what | rate | ratio |", "|---|---|---|",
        f"| plain target, one process per core | {plain:,.0f} execs/s | {plain / sub:,.0f}x the subprocess baseline |",
    ]
    if tsan is not None:
        lines.append(f"| TSan target, one process per core | {tsan:,.0f} execs/s | {tsan / sub:,.1f}x the subprocess baseline; "
                     f"{plain / tsan:.1f}x slower than plain |")
    lines += [
        f"| one `python3.14t` subprocess per program (release interpreter, its reproducer script, one run; one process per core) "
        f"| {sub:,.1f} programs/s | 1x |",
        f"| fuzzing from the seed corpus, libFuzzer `-jobs={cores} -workers={cores}` for {args.fuzz_seconds} s "
        f"(mutated programs of any size, coverage bookkeeping included) | {fuzz_rate:,.0f} execs/s | |",
        "", "Memory of the plain target running the same 50 programs again and again:", "",
        "| executions | max RSS |", "|---|---|",
        f"| 1,000 | {rss_1k:.1f} MiB |", f"| 100,000 | {rss_100k:.1f} MiB ({(rss_100k / rss_1k - 1) * 100:+.1f}%) |", "",
        "The target builds each program's objects and argument values afresh, runs it on four persistent",
        "native threads released together, checks the oracles and drops it; a garbage collection runs every",
        "64 inputs. The interpreter here is the `fuzz` variant (coverage-instrumented: every comparison and",
        "edge of libpython calls into libFuzzer), the subprocess baseline uses the faster release build.",
    ]
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    print(f"bench-fuzz: wrote {args.out}")


if __name__ == "__main__":
    main()
