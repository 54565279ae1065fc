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
import json
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


def run_parallel(cmds, env=None, envs=None):
    """Runs the commands at once (one per core); returns wall seconds and each one's (rc, maxrss KiB, output).
    envs: one environment per command (else env for all)."""
    start = time.perf_counter()
    procs = []
    for k, cmd in enumerate(cmds):
        f = tempfile.TemporaryFile()
        procs.append((subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=envs[k] if envs else env), f))
    results = []
    for p, f in procs:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        f.seek(0)
        results.append((p.returncode, usage.ru_maxrss, f.read().decode(errors="replace")))
    return time.perf_counter() - start, results


def target_rate(target, files, runs, cores, env, stats=None):
    """Executions per second of the target over the files, one process per core running at the
    same time, from libFuzzer's own "Executed FILE in N ms" lines: start-up is not counted (a
    fuzzing process starts once a night). stats: a dict that receives the processes' summed
    PYRACE_FUZZ_STATS (where an input's time goes, how together its actors ran)."""
    files = list(files)
    dropped = []
    for _ in range(20):
        shares = [files[i::cores] for i in range(cores)]
        stat_files = [tempfile.mktemp(prefix="pyrace-bench-stats-") for _ in shares]
        envs = [dict(env, PYRACE_FUZZ_STATS=sf) for sf in stat_files]
        wall, res = run_parallel([[target, f"-runs={runs}", "-timeout=30", *share] for share in shares], envs=envs)
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
    for sf in stat_files:
        if stats is not None and os.path.exists(sf):
            with open(sf) as f:
                for k, v in json.load(f).items():
                    stats[k] = stats.get(k, 0) + v
        if os.path.exists(sf):
            os.unlink(sf)
    return rate, wall, dropped


def time_split(st):
    """Per input (microseconds): prepare, run, finish; actors on a CPU during the run (average
    count), the spread of the actors' starts, and the share of the run with >= 2 and all actors in."""
    n = st["inputs"] or 1
    return {"prepare": st["prepare_s"] / n * 1e6, "run": st["run_s"] / n * 1e6, "finish": st["finish_s"] / n * 1e6,
            "busy": st["actor_cpu_s"] / st["run_s"] if st["run_s"] else 0.0,
            "spread": st["start_spread_s"] / n * 1e6,
            "pair": st["pair_s"] / st["span_s"] * 100 if st["span_s"] else 0.0,
            "all": st["overlap_s"] / st["span_s"] * 100 if st["span_s"] else 0.0}


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


# CPython's own leak that the fuzz vocabulary reaches (upstream, open): calling __init__ on a live
# XMLParser leaks the previous expat parser, TreeBuilder and bound handlers (about 4.6 KB a call).
KNOWN_LEAKS = [("xml.etree.ElementTree.XMLParser", "__init__", "gh-114795: XMLParser.__init__ on a live parser leaks "
                "the previous expat parser, target and handlers")]


def rss_run(target, files, passes, env):
    """VmRSS (MiB) of one target process running the files 10 times each, `passes` times over,
    read after 1,000, 10,000 and the last executions."""
    p = subprocess.Popen([target, "-runs=10", *(files * passes)], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env, text=True, errors="replace")
    done, rss, total = 0, {}, 10 * len(files) * passes
    for line in p.stdout:
        if line.startswith("Executed "):
            done += 10
            if done in (1000, 10000, total):
                with open(f"/proc/{p.pid}/status") as f:
                    rss[done] = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024
    p.wait()
    if p.returncode != 0:
        raise SystemExit(f"bench-fuzz: the RSS run of {target} exited {p.returncode}")
    return rss


# Long: the measurements in the order the report shows them, each block writing its own section.
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", required=True)
    ap.add_argument("--tsan-target", default="")
    ap.add_argument("--python", required=True, help="plain python3.14t (release) for the subprocess baseline")
    ap.add_argument("--out", required=True)
    ap.add_argument("--programs", type=int, default=200)
    ap.add_argument("--fuzz-seconds", type=int, default=60)
    ap.add_argument("--rss-passes", type=int, default=100, help="passes of 100 programs x 10 runs for the RSS rows")
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

    results, splits = {}, {}
    for label, (files, ok) in sets.items():
        stats = {}
        plain, _, dropped = target_rate(args.target, ok, 20, cores, env, stats)
        ok = [f for f in ok if f not in dropped]
        splits[(label, "together")] = (plain, time_split(stats))
        tsan = None
        if args.tsan_target:
            tsan, _, _ = target_rate(args.tsan_target, ok[: max(cores, len(ok) // 2)], 4, cores, env)
        sub, fails = subprocess_rate(args.python, [p + ".py" for p in ok], cores)
        results[label] = (plain, tsan, sub, len(files) - len(ok), len(files))
        print(f"bench-fuzz: {label}: plain {plain:,.0f}/s, TSan {tsan or 0:,.0f}/s, one python3.14t per program "
              f"{sub:,.1f}/s ({fails} did not exit 0; {len(files) - len(ok)} crashing programs left out)", flush=True)
        # The same programs with the actors started otherwise: the cost and the worth of the start barrier.
        for mode in ("staggered", "sequential"):
            stats = {}
            rate, _, _ = target_rate(args.target, ok, 20, cores, dict(env, PYRACE_FUZZ_START=mode), stats)
            splits[(label, mode)] = (rate, time_split(stats))
            print(f"bench-fuzz: {label}: plain, actors {mode}: {rate:,.0f}/s", flush=True)
    ok_files = sets["4 x 32"][1]

    # RSS of one process over 100 programs (4 x 32, every operation under the program's lock, so
    # that no crash ends the process early), in 100 passes of 10 runs each: VmRSS after the first
    # pass (1,000 executions, every program seen) and after the last (100,000); once as the night
    # runs, once with CPython's known leaks (KNOWN_LEAKS) left out through the deny list.
    rss_files = []
    for i, data in enumerate(programs(100, seed=7, locked=True)):
        rss_files.append(os.path.join(work, f"locked{i:03d}"))
        with open(rss_files[-1], "wb") as f:
            f.write(data)
    deny = os.path.join(work, "known-leaks.deny")
    with open(deny, "w") as f:
        for tp, op, why in KNOWN_LEAKS:
            f.write(f"# {why}\n{tp} {op}\n")
    rss = rss_run(args.target, rss_files, args.rss_passes, env)
    rss_noleak = rss_run(args.target, rss_files, args.rss_passes, dict(env, PYRACE_FUZZ_DENY=deny))
    last = 1000 * args.rss_passes
    for name, r in (("as the night runs", rss), ("known leaks denied", rss_noleak)):
        print(f"bench-fuzz: RSS {name}: after 1,000 executions {r.get(1000, 0):.1f} MiB, "
              f"after {last:,} {r.get(last, 0):.1f} MiB", flush=True)

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
        "## Where an input's time goes", "",
        "The plain target on the same programs, one process per core, its actors started three ways",
        "(`PYRACE_FUZZ_START`; time per input from `PYRACE_FUZZ_STATS`, summed over the processes).",
        "*Actors busy*: CPU time of the actors inside the program's threads over the run phase's wall",
        "time (how many were on a CPU at once, on average). *Start spread*: first to last actor start.",
        "*Overlap*: the share of the run (first start to last end) with at least two actors, and with",
        "all of them, inside their thread.", "",
        "| programs | actors start | execs/s | prepare (us) | run (us) | finish (us) | actors busy | start spread (us) | overlap >= 2 | overlap all |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (label, mode), (rate, t) in splits.items():
        lines.append(f"| {label} | {mode}{' (default)' if mode == 'together' else ''} | {rate:,.0f} | {t['prepare']:,.0f} | "
                     f"{t['run']:,.0f} | {t['finish']:,.0f} | {t['busy']:.2f} | {t['spread']:,.0f} | "
                     f"{t['pair']:.0f}% | {t['all']:.0f}% |")
    seq = splits.get(("4 x 32", "sequential"))
    tog = splits.get(("4 x 32", "together"))
    if seq and tog:
        lines += ["", f"On 4 x 32 programs the run phase takes {tog[1]['run'] / max(seq[1]['run'], 1e-9):.1f}x as long "
                      f"with the actors together as one after another, and its actors burn "
                      f"{tog[1]['busy'] * tog[1]['run'] / max(seq[1]['busy'] * seq[1]['run'], 1e-9):.1f}x the CPU "
                      "time: four threads on one object contend for its lock (the free-threaded build's per-object "
                      "critical sections) and park and wake one another through the kernel."]
    last = 1000 * args.rss_passes
    lines += [
        "", "## Memory", "",
        f"One plain target process running 100 programs (4 x 32, every operation under the program's lock, so",
        f"that no crash ends the process early) in {args.rss_passes} passes of 10 runs each: as the night runs it,",
        "and with CPython's known leaks that the vocabulary reaches left out through the deny list",
        "(`PYRACE_FUZZ_DENY`):", "",
    ]
    lines += [f"- `{tp} {op}`: {why}" for tp, op, why in KNOWN_LEAKS]
    lines += ["", "| executions | RSS, as the night runs | RSS, known leaks denied |", "|---|---|---|"]
    for n, what in ((1000, "1,000 (the first pass: every program seen once)"), (10000, "10,000"), (last, f"{last:,}")):
        cells = []
        for r in (rss, rss_noleak):
            v, base = r.get(n, 0.0), r.get(1000, 0.0)
            cells.append(f"{v:.1f} MiB" + (f" ({(v / base - 1) * 100:+.1f}%)" if n != 1000 and base else ""))
        lines.append(f"| {what} | {cells[0]} | {cells[1]} |")
    lines += [
        "", "Each input's objects and argument values are built afresh, run on four persistent native threads",
        "released together (each thread in a context of its own), checked by the oracles and dropped; a",
        "garbage collection runs every 256 inputs.",
    ]
    # Sections measured by hand (not by this script) stay: everything from the first "## " heading
    # this script does not write.
    own = {"## Where an input's time goes", "## Memory"}
    kept, keep = [], False
    if os.path.exists(args.out):
        with open(args.out) as f:
            for line in f.read().splitlines():
                if line.startswith("## "):
                    keep = line.strip() not in own
                if keep:
                    kept.append(line)
    if kept:
        lines += [""] + kept
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    print(f"bench-fuzz: wrote {args.out}")


if __name__ == "__main__":
    main()
