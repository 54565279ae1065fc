"""The benchmarks' baseline: a case driven with plain `threading` (see harness/repro/repro_driver.py)."""
import os
import runpy

runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness", "repro", "repro_driver.py"),
               run_name="__main__")
