"""Unit tests of the nightly's time split across interpreter variants (fuzz/variant_split.py)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

FUZZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, FUZZ)
import variant_split as vs  # noqa: E402

ALL = ["plain", "asan", "debug", "tsan"]


def night(name, **variants):
    """A yield-file night: variant=(seconds, new signatures)."""
    return {"night": name, "variants": {v: {"seconds": s, "new_signatures": n} for v, (s, n) in variants.items()}}


def secs(result):
    return {v: s for v, s, _, _ in result}


class Split(unittest.TestCase):
    def test_equal_shares_without_history(self):
        r = vs.split([], ALL, 4000)
        self.assertEqual(secs(r), {"plain": 1000, "asan": 1000, "debug": 1000, "tsan": 1000})
        self.assertTrue(all("no history" in why for _, _, _, why in r))

    def test_history_of_other_variants_only_is_no_history(self):
        r = vs.split([night("n1", plain=(3600, 9))], ["asan", "debug"], 1000)
        self.assertEqual(secs(r), {"asan": 500, "debug": 500})

    def test_proportional_to_smoothed_findings_per_hour(self):
        # One night, one hour each: plain found 5, asan 1. Smoothed: (5+1)/(1+1)=3/h and (1+1)/(1+1)=1/h.
        r = vs.split([night("n1", plain=(3600, 5), asan=(3600, 1))], ["plain", "asan"], 8000)
        self.assertEqual(secs(r), {"plain": 6000, "asan": 2000})
        self.assertIn("3.00/h", dict((v, why) for v, _, _, why in r)["plain"])

    def test_floor_is_respected(self):
        # tsan found nothing in 4 hours, plain 40 in 1 hour: tsan's proportional share would be
        # 0.2/(20.5+0.2+...) < 10%; it is held at the floor, the rest is shared in proportion.
        h = [night("n1", plain=(3600, 40), asan=(3600, 2), debug=(3600, 2), tsan=(4 * 3600, 0))]
        r = vs.split(h, ALL, 10000)
        s = secs(r)
        self.assertEqual(sum(s.values()), 10000)
        for v in ALL:
            self.assertGreaterEqual(s[v], 1000 - 1, v)
        shares = dict((v, share) for v, _, share, _ in r)
        self.assertAlmostEqual(shares["tsan"], 0.10)
        self.assertAlmostEqual(shares["asan"], 0.10)  # 1.5/h against plain's 20.5/h: below the floor too
        self.assertGreater(s["plain"], 6000)
        self.assertIn("floor", dict((v, why) for v, _, _, why in r)["tsan"])

    def test_floor_above_equal_share_gives_equal_shares(self):
        got = vs.shares({"a": 100.0, "b": 1.0, "c": 1.0}, floor=0.5)
        self.assertEqual(sorted(got), ["a", "b", "c"])
        for v in got:
            self.assertAlmostEqual(got[v], 1 / 3)

    def test_older_nights_weigh_less(self):
        # asan found a lot two nights ago, nothing since; plain the reverse: plain leads.
        h = [night("n1", plain=(3600, 0), asan=(3600, 10)), night("n2", plain=(3600, 4), asan=(3600, 0)),
             night("n3", plain=(3600, 4), asan=(3600, 0))]
        s = secs(vs.split(h, ["plain", "asan"], 1000))
        self.assertGreater(s["plain"], s["asan"])

    def test_seconds_add_up(self):
        h = [night("n1", plain=(1234, 3), asan=(999, 1), debug=(777, 0), tsan=(3000, 2))]
        for total in (0, 1, 7, 999, 12345):
            self.assertEqual(sum(secs(vs.split(h, ALL, total)).values()), total)


class Record(unittest.TestCase):
    def test_record_counts_new_signatures_per_flavour(self):
        summary = {"findings": [{"flavour": "asan", "status": "new"}, {"flavour": "asan", "status": "new"},
                                {"flavour": "plain", "status": "known"}, {"flavour": "tsan", "status": "new"},
                                {"flavour": "asan", "status": "new", "kind": "flaky"}]}
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "variant-yield.json")
            vs.record(path, "n1", {"plain": 600, "asan": 300, "tsan": 200}, summary)
            vs.record(path, "n2", {"plain": 100}, {})
            nights = vs.load(path)
        self.assertEqual(nights[0]["variants"], {"plain": {"seconds": 600, "new_signatures": 0},
                                                 "asan": {"seconds": 300, "new_signatures": 2},
                                                 "tsan": {"seconds": 200, "new_signatures": 1}})
        self.assertEqual([n["night"] for n in nights], ["n1", "n2"])

    def test_cli_split_and_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "y.json")
            with open(path, "w") as f:
                json.dump({"nights": [night("n1", plain=(3600, 5), asan=(3600, 1))]}, f)
            p = subprocess.run([sys.executable, os.path.join(FUZZ, "variant_split.py"), "split", "--yield", path,
                                "--variants", "plain,asan", "--seconds", "8000"], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.split(), ["plain", "6000", "asan", "2000"])
            self.assertIn("split: plain 75%", p.stderr)
            # Slots of the wide vocabulary split like variants (scripts/nightly --vocabulary both).
            p = subprocess.run([sys.executable, os.path.join(FUZZ, "variant_split.py"), "split", "--yield", path,
                                "--variants", "plain,plain-wide", "--seconds", "8000"], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.split()[::2], ["plain", "plain-wide"])
            self.assertIn("split: plain-wide ", p.stderr)
            for bad in ("plain,msan", "plain,plain", "", "plain,msan-wide", "plain-narrow", "plain-wide-wide"):
                p = subprocess.run([sys.executable, os.path.join(FUZZ, "variant_split.py"), "split", "--yield", path,
                                    "--variants", bad, "--seconds", "10"], capture_output=True, text=True)
                self.assertEqual(p.returncode, 2, (bad, p.stderr))
                self.assertIn("variants must be", p.stderr)
            with open(path, "w") as f:
                f.write("{not json")
            p = subprocess.run([sys.executable, os.path.join(FUZZ, "variant_split.py"), "split", "--yield", path,
                                "--variants", "plain", "--seconds", "10"], capture_output=True, text=True)
            self.assertEqual(p.returncode, 2)
            self.assertIn("variant_split: error:", p.stderr)


if __name__ == "__main__":
    unittest.main()
