#!/usr/bin/env python3.14t
"""Writes fuzz/corpus/ (seed programs) and fuzz/pyrace.dict from fuzz_driver's vocabulary.

The seeds are the shapes that find concurrency bugs: the same operation in two threads, a
mutation beside an iteration, a shared iterator, callbacks that mutate mid-operation. They are
written by name here and encoded with this interpreter's vocabulary; run this script again with
the pinned python3.14t when the vocabulary changes (tests check the digest in pyrace.dict).

    python3.14t fuzz/make_seeds.py [--check]    --check: exit 1 if the files are stale
Both vocabularies (fuzz_driver.VOCABULARY): core into fuzz/corpus and fuzz/pyrace.dict, wide
(which alone can express the WIDE_ONLY seeds) into fuzz/corpus-wide and fuzz/pyrace-wide.dict.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fuzz_driver as d  # noqa: E402


def V(src):
    return ("val", d.VALUE_SOURCES.index(src))


def O(i):
    return ("obj", i)


def base(mod, name, ctor="()"):
    return ("base", (mod, name), ctor if isinstance(ctor, int) else d.CTOR_SOURCES.index(ctor))


BYTES_STREAM = d.CTOR_SOURCES.index("(io.BytesIO(b'ab\\ncd\\n'),)")
GROUP = d.CTOR_SOURCES.index("('m', [ValueError(1), KeyError(2)])")


def derive(how, src):
    return ("derive", how, src)


def op(obj, name, *refs, locked=False):
    return (obj, name, list(refs), locked)


def prog(objects, *threads):
    return {"format": d.FORMAT_VERSION, "objects": objects, "threads": [list(t) for t in threads]}


SEEDS = {
    "list_append_ledger": prog([base("builtins", "list")],
                               [op(0, "<ledger>"), op(0, "append", V("1")), op(0, "<ledger>")],
                               [op(0, "<ledger>"), op(0, "<iterate>"), op(0, "<ledger>")]),
    "list_sort_vs_append": prog([base("builtins", "list", "([1, 2, 3],)")],
                                [op(0, "sort"), op(0, "reverse"), op(0, "sort")],
                                [op(0, "append", V("Evil(shared, 1)")), op(0, "<iterate>"), op(0, "__len__")]),
    "list_init_vs_iterate": prog([base("builtins", "list", "([1, 2, 3],)")],
                                 [op(0, "__init__", V("range(3)")), op(0, "__init__", V("(1, 2)"))],
                                 [op(0, "<iterate>"), op(0, "<copy>"), op(0, "<repr>")]),
    "dict_setitem_vs_iterate": prog([base("builtins", "dict", "({'a': 1, 'b': 2},)")],
                                    [op(0, "<ledger>"), op(0, "__setitem__", V("'abc'"), V("1")), op(0, "pop", V("'a'"))],
                                    [op(0, "<iterate>"), op(0, "<copy>"), op(0, "__contains__", V("'abc'"))]),
    "dict_evil_keys": prog([base("builtins", "dict", "({'a': 1, 'b': 2},)")],
                           [op(0, "__setitem__", V("Evil(shared, 1)"), V("1")), op(0, "get", V("Evil(shared, 1)"))],
                           [op(0, "__setitem__", V("Evil(shared, 0)"), V("2")), op(0, "<iterate>")]),
    "set_iterator_shared": prog([base("builtins", "set", "([1, 2, 3],)"), derive("iter", 0)],
                                [op(1, "__next__"), op(1, "__length_hint__"), op(1, "__next__")],
                                [op(1, "__length_hint__"), op(1, "__next__"), op(0, "add", V("3"))]),
    "generator_shared": prog([base("builtins", "list", "([1, 2, 3],)"), derive("genexpr", 0)],
                             [op(1, "__next__"), op(1, "__next__")], [op(1, "__next__"), op(1, "__next__")]),
    "deque_append_popleft": prog([base("collections", "deque", "([1, 2, 3],)")],
                                 [op(0, "<ledger>"), op(0, "popleft"), op(0, "append", V("2"))],
                                 [op(0, "<iterate>"), op(0, "rotate", V("1")), op(0, "<ledger>")]),
    "bytearray_resize_vs_read": prog([base("builtins", "bytearray", "(b'abc',)")],
                                     [op(0, "extend", V("b'ab'")), op(0, "__delitem__", V("0")), op(0, "clear")],
                                     [op(0, "<iterate>"), op(0, "hex"), op(0, "find", V("b'ab'"))]),
    "stringio_close_vs_read": prog([base("_io", "StringIO", "('abc',)")],
                                   [op(0, "write", V("'abc'")), op(0, "close")],
                                   [op(0, "read"), op(0, "__next__"), op(0, "getvalue")]),
    "bytesio_write_vs_getbuffer": prog([base("_io", "BytesIO", "(b'abc',)")],
                                       [op(0, "write", V("b'ab'")), op(0, "seek", V("0")), op(0, "truncate")],
                                       [op(0, "getbuffer"), op(0, "read"), op(0, "getvalue")]),
    "pairwise_shared": prog([base("itertools", "pairwise", "([1, 2, 3],)")],
                            [op(0, "__next__"), op(0, "__next__")], [op(0, "__next__"), op(0, "__next__")]),
    "ordereddict_move_vs_iterate": prog([base("collections", "OrderedDict", "({'a': 1, 'b': 2},)")],
                                        [op(0, "move_to_end", V("'a'")), op(0, "popitem")],
                                        [op(0, "<iterate>"), op(0, "<repr>"), op(0, "<ledger>")]),
    "array_append_vs_pop": prog([base("array", "array", "('b', [1, 2, 3])")],
                                [op(0, "append", V("1")), op(0, "pop")],
                                [op(0, "tobytes"), op(0, "<iterate>"), op(0, "extend", V("[1, 2]"))]),
    "hash_update_vs_digest": prog([base("_sha2", "sha256")],
                                  [op(0, "update", V("b'ab'")), op(0, "update", V("b'ab'"))],
                                  [op(0, "hexdigest"), op(0, "copy")]),
    "zlib_compress_vs_flush": prog([base("zlib", "compressobj")],
                                   [op(0, "compress", V("b'ab'")), op(0, "flush")],
                                   [op(0, "compress", V("b'ab'")), op(0, "copy")]),
    "list_iterator_shared": prog([base("builtins", "list", "([1, 2, 3],)"), derive("iter", 0)],
                                 [op(1, "__next__"), op(0, "pop")], [op(1, "__next__"), op(1, "__length_hint__")],
                                 [op(0, "append", V("1")), op(1, "__reduce__")]),
    "dict_items_iterator": prog([base("builtins", "dict", "({'a': 1, 'b': 2},)"), derive("iter_items", 0)],
                                [op(1, "__next__"), op(0, "__setitem__", V("'abc'"), V("1"))],
                                [op(1, "__next__"), op(0, "clear")]),
    "locked_list_twin": prog([base("builtins", "list")],
                             [op(0, "<ledger>", locked=True), op(0, "pop", locked=True)],
                             [op(0, "<ledger>", locked=True), op(0, "<iterate>", locked=True)]),
    # The families gated one operation at a time, the type system, interpreter-global state and
    # objects freed by another thread (issue 13's vocabulary).
    "lock_acquire_release": prog([base("_thread", "lock")],
                                 [op(0, "<acquire_timed>"), op(0, "release"), op(0, "<acquire_timed>"), op(0, "release")],
                                 [op(0, "<acquire_timed>"), op(0, "locked"), op(0, "release"), op(0, "<repr>")]),
    "rlock_owner_race": prog([base("_thread", "RLock")],
                             [op(0, "<acquire_timed>"), op(0, "_is_owned"), op(0, "_release_save"), op(0, "release")],
                             [op(0, "<acquire_timed>"), op(0, "_recursion_count"), op(0, "release"), op(0, "<repr>")]),
    "simplequeue_put_get": prog([base("_queue", "SimpleQueue")],
                                [op(0, "put", V("1")), op(0, "<get_timed>"), op(0, "put", V("[1, 2]"))],
                                [op(0, "<get_timed>"), op(0, "qsize"), op(0, "get_nowait")]),
    "count_shared": prog([base("itertools", "count")],
                         [op(0, "__next__"), op(0, "__next__"), op(0, "<repr>")],
                         [op(0, "__next__"), op(0, "<contains>", V("3")), op(0, "__next__")]),
    "class_setattr_vs_call": prog([base("pyrace", "new_class")],
                                  [op(0, "<class_setattr>", V("2")), op(0, "<class_set_method>"), op(0, "<reset_bases>")],
                                  [op(0, "<instance_call>"), op(0, "<instance_getattr>"), op(0, "<subclass>")]),
    "function_code_vs_call": prog([base("pyrace", "new_function")],
                                  [op(0, "<set_code>"), op(0, "<set_defaults>", V("2")), op(0, "<set_kwdefaults>", V("3"))],
                                  [op(0, "<call>"), op(0, "<annotations>"), op(0, "<call>")]),
    "interp_import_vs_pickle": prog([base("pyrace", "Interp")],
                                    [op(0, "reimport"), op(0, "clear_internal_caches"), op(0, "collect")],
                                    [op(0, "pickle_by_reference"), op(0, "reload"), op(0, "intern")]),
    "interp_monitoring_vs_calls": prog([base("pyrace", "Interp"), base("pyrace", "new_function")],
                                       [op(0, "monitor"), op(0, "settrace"), op(0, "monitor")],
                                       [op(1, "<call>"), op(1, "<call>"), op(1, "<set_code>"), op(1, "<call>")]),
    "handoff_drop_collect": prog([base("builtins", "list", "([1, 2, 3],)"), base("pyrace", "Interp")],
                                 [op(0, "<handoff>"), op(0, "<handoff>"), op(0, "append", V("1"))],
                                 [op(0, "<drop>"), op(1, "collect"), op(0, "<drop>")]),
    "textio_write_vs_read": prog([base("_io", "TextIOWrapper", BYTES_STREAM)],
                                 [op(0, "write", V("'abc'")), op(0, "flush"), op(0, "seek", V("0"))],
                                 [op(0, "read"), op(0, "readline"), op(0, "tell")]),
    "thread_local_shared": prog([base("_thread", "_local")],
                                [op(0, "__setattr__", V("'a'"), V("1")), op(0, "__getattribute__", V("'a'"))],
                                [op(0, "__setattr__", V("'a'"), V("2")), op(0, "__delattr__", V("'a'"))]),
    "exception_group_state": prog([base("builtins", "BaseExceptionGroup", GROUP)],
                                  [op(0, "add_note", V("'abc'")), op(0, "with_traceback", V("None")),
                                   op(0, "__setstate__", V("{'a': 1}"))],
                                  [op(0, "<repr>"), op(0, "<pickle>"), op(0, "__str__")]),
    "four_threads_mixed": prog([base("builtins", "list"), base("builtins", "dict")],
                               [op(0, "append", O(1)), op(1, "__setitem__", V("'a'"), O(0))],
                               [op(0, "<repr>"), op(1, "<repr>")], [op(0, "clear"), op(1, "clear")],
                               [op(0, "<deepcopy>"), op(1, "<pickle>")]),
}


# Seeds of the families the wide vocabulary adds (the core one cannot express them).
WIDE_ONLY = {"lock_acquire_release", "rlock_owner_race", "simplequeue_put_get", "count_shared",
             "class_setattr_vs_call", "function_code_vs_call", "interp_import_vs_pickle",
             "interp_monitoring_vs_calls", "handoff_drop_collect", "textio_write_vs_read", "thread_local_shared",
             "exception_group_state"}
# Where each vocabulary's seeds and dictionary go (scripts/nightly --vocabulary reads the same).
OUTPUTS = {"core": ("corpus", "pyrace.dict"), "wide": ("corpus-wide", "pyrace-wide.dict")}


def dictionary_lines():
    """libFuzzer dictionary: one object record per base type and per deriver (a mutation that
    inserts one swaps an object's kind for another), and every seed's operation records."""
    lines = [f"# pyrace fuzz dictionary, vocabulary {d.vocabulary_digest()} (fuzz/make_seeds.py writes it)"]
    for kind, (ref, ctors) in enumerate(d.BASE_TYPES):
        lines.append(f'obj_{ref[0]}_{ref[1]}='.replace('.', '_') + quote(bytes([kind, 0, 0])))
    for i, name in enumerate(d.DERIVER_NAMES):
        lines.append(f'derive_{name}=' + quote(bytes([len(d.BASE_TYPES) + i, 0, 0])))
    return lines


def quote(b):
    return '"' + "".join(f"\\x{c:02x}" for c in b) + '"'


def write_vocabulary(check):
    """This process's vocabulary (PYRACE_FUZZ_VOCABULARY): its seeds and dictionary; the stale
    files when checking."""
    corpus, dict_name = OUTPUTS[d.VOCABULARY]
    seeds = {n: spec for n, spec in SEEDS.items() if d.VOCABULARY == "wide" or n not in WIDE_ONLY}
    files = {}
    for i, (name, spec) in enumerate(sorted(seeds.items())):
        data = d.encode(spec)
        if d.decode(data) != spec:
            sys.exit(f"make_seeds: seed {name} does not decode to itself: {d.decode(data)}")
        files[os.path.join(HERE, corpus, f"seed-{i:02d}-{name}")] = data
    dict_lines = dictionary_lines()
    for i, (name, spec) in enumerate(sorted(seeds.items())):
        data = files[os.path.join(HERE, corpus, f"seed-{i:02d}-{name}")]
        nobjs = len(spec["objects"])
        ops = data[2 + 3 * nobjs:]
        for k in range(0, len(ops), 5):
            dict_lines.append(f"op_{name}_{k // 5}=" + quote(ops[k:k + 5]))
    files[os.path.join(HERE, dict_name)] = ("\n".join(dict_lines) + "\n").encode()
    stale = [p for p, data in files.items() if not os.path.exists(p) or open(p, "rb").read() != data]
    if check:
        for p in stale:
            print(f"make_seeds: stale: {p}")
        return 1 if stale else 0
    os.makedirs(os.path.join(HERE, corpus), exist_ok=True)
    for p, data in files.items():
        with open(p, "wb") as f:
            f.write(data)
    print(f"make_seeds: wrote {len(seeds)} seeds into fuzz/{corpus} and {dict_name} (vocabulary {d.vocabulary_digest()})")
    return 0


def main():
    check = "--check" in sys.argv[1:]
    if os.environ.get("PYRACE_FUZZ_VOCABULARY"):
        sys.exit(write_vocabulary(check))
    rc = 0
    for vocabulary in OUTPUTS:  # each in a process of its own: the vocabulary is fixed at import
        env = dict(os.environ, PYRACE_FUZZ_VOCABULARY=vocabulary)
        rc |= subprocess.run([sys.executable, os.path.abspath(__file__)] + sys.argv[1:], env=env).returncode
    sys.exit(rc)


if __name__ == "__main__":
    main()
