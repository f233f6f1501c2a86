#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit test of scripts/bench/report.py over synthetic raw records (make
utest; no guests, well under a second without gnuplot, about one with).

The run: three rounds of linear, mx-sync, mx-async (refused: n/a) and
drbd-C, whose round 2 failed; the crash test once, for mx-sync; one record
without "rep" (an older run's format), which counts as round 1.
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

META = {
    "timestamp": "20261130-100000", "quick": True, "git": "test",
    "reps": 3, "configs": ["linear", "mx-sync", "mx-async", "drbd-C"],
    "crash_configs": ["mx-sync"],
    "host": {"nproc": "2", "load_start": "1.00", "load_end": "2.00"},
    "settings": {"accel": "tcg", "guests": "2 x 1 vCPU, 640 MiB",
                 "disk_cache": "none"},
}

# config -> metric -> value per round (None: no record that round).
FIGURES = {
    "linear": {"qd1_iops": [100, 120, 110], "qd1_p50_us": [300, 280, 290],
               "qd1_meta_writes_per_k": [0, 0, 0]},
    "floor": {"local_qd1_p50_us": [300, 280, 290],
              "remote_qd1_p50_us": [310, 290, 300],
              "rtt_p50_us": [1900, 1700, 1800],
              "link_MBps": [40, 44, 42]},
    "mx-sync": {"qd1_iops": [50, 60, 40], "qd1_p50_us": [2100, 2000, 2300],
                "qd1_meta_writes_per_k": [800, 900, 850],
                "resync_MBps": [20, 21, 19],
                "zero_resync_MBps": [300, 250, 190],
                "zero_sent_MiB": [0.0, 0.0, 0.0],
                "crash_resync_s": [6.0, None, None],
                "crash_written_MiB": [100.0, None, None]},
    "drbd-C": {"qd1_iops": [20, None, 30], "qd1_p50_us": [4000, None, 4400],
               "qd1_meta_writes_per_k": [70, None, 72],
               "resync_MBps": [7, None, 6]},
}


def write_run(d):
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(META, f)
    with open(os.path.join(d, "measurements.jsonl"), "w") as f:
        for rep in (1, 2, 3):
            for cfg, ms in FIGURES.items():
                for m, vs in ms.items():
                    if vs[rep - 1] is None:
                        continue
                    r = {"config": cfg, "metric": m, "value": vs[rep - 1],
                         "rep": rep, "load1": 1.0 + rep}
                    if cfg == "floor" and m == "link_MBps" and rep == 1:
                        del r["rep"]  # older format: round 1
                    f.write(json.dumps(r) + "\n")
            if rep == 1:
                f.write(json.dumps({"config": "mx-async", "metric": "*",
                                    "na": "async not available",
                                    "rep": 1}) + "\n")
            if rep == 2:
                f.write(json.dumps({"config": "drbd-C", "metric": "*",
                                    "na": "error (see the log)",
                                    "rep": 2}) + "\n")


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mx-report-test.")
        write_run(self.dir)
        meta, samples, na = report.load(self.dir)
        self.res = report.build(meta, samples, na)
        self.cfg = {c["name"]: c for c in self.res["configs"]}

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_median_and_spread(self):
        st = self.cfg["linear"]["stats"]["qd1_iops"]
        self.assertEqual(self.cfg["linear"]["metrics"]["qd1_iops"], 110)
        self.assertEqual((st["n"], st["min"], st["max"]), (3, 100, 120))
        self.assertAlmostEqual(st["spread"], 20 / 110)
        self.assertEqual(st["values"], [100, 120, 110])
        self.assertEqual(st["reps"], [1, 2, 3])
        self.assertEqual(st["load1"], [2.0, 3.0, 4.0])
        self.assertEqual(report.fmt_s(st), "18%")
        # All zero: no spread rather than a division by zero.
        z = self.cfg["linear"]["stats"]["qd1_meta_writes_per_k"]
        self.assertEqual(z["spread"], 0.0)

    def test_meta_writes_median(self):
        c = self.cfg["mx-sync"]
        self.assertEqual(c["notes"]["qd1_meta_writes_per_k"], 850)
        self.assertEqual(c["stats"]["qd1_meta_writes_per_k"]["n"], 3)

    def test_ratios_of_medians(self):
        r = self.cfg["mx-sync"]["ratios"]["qd1_iops"]
        # drbd-C's median over its two good rounds is 25.
        self.assertAlmostEqual(r["drbd"], 50 / 25)
        self.assertAlmostEqual(r["linear"], 50 / 110)
        # Floor from the components' medians: 290 + 1800 + 300.
        fl = self.res["floor"]["derived"]["qd1_p50_us"]
        self.assertAlmostEqual(fl, 2390)
        self.assertAlmostEqual(
            self.cfg["mx-sync"]["ratios"]["qd1_p50_us"]["floor"], 2100 / 2390)

    def test_zero_speedup(self):
        # All-zero sync over random data, medians: 250 / 20.
        self.assertAlmostEqual(self.cfg["mx-sync"]["zero_speedup"], 12.5)
        self.assertIsNone(self.cfg["drbd-C"]["zero_speedup"])

    def test_rep_missing_is_round_1(self):
        st = self.res["floor"]["stats"]["link_MBps"]
        self.assertEqual(st["reps"], [1, 2, 3])
        self.assertEqual(self.res["floor"]["measured"]["link_MBps"], 42)

    def test_failed_round_and_na_row(self):
        d = self.cfg["drbd-C"]
        self.assertEqual(d["status"], "ok")
        self.assertEqual(d["failures"],
                         [{"rep": 2, "reason": "error (see the log)"}])
        self.assertEqual(d["stats"]["qd1_iops"]["n"], 2)
        self.assertEqual(d["metrics"]["qd1_iops"], 25)
        a = self.cfg["mx-async"]
        self.assertEqual((a["status"], a["reason"]),
                         ("n/a", "async not available"))

    def test_single_measurement(self):
        st = self.cfg["mx-sync"]["stats"]["crash_resync_s"]
        self.assertEqual((st["n"], st["median"]), (1, 6.0))
        self.assertEqual(report.fmt_s(st), "-")

    def test_load(self):
        ld = self.cfg["mx-sync"]["load1"]
        self.assertEqual((ld["min"], ld["max"]), (2.0, 4.0))
        self.assertEqual(self.cfg["mx-sync"]["notes"]["load1"], 3.0)

    def test_table_json_chart(self):
        out = os.path.join(self.dir, "out")
        with open(os.devnull, "w") as null:
            old, sys.stdout = sys.stdout, null
            try:
                rc = report.main([self.dir, out])
            finally:
                sys.stdout = old
        self.assertEqual(rc, 0)
        with open(out + ".txt") as f:
            txt = f.read()
        self.assertIn("3 rounds", txt)
        self.assertRegex(txt, r"\nmx-sync +50 +40% +0\.45x +2\.00x")
        self.assertRegex(txt, r"\ndrbd-C +25 +40% .*\(n=2\)")
        self.assertIn("850.0 (12%)", txt)
        self.assertRegex(txt, r"drbd-C +round 2: error")
        self.assertRegex(txt, r"\nmx-sync +3\.00 +2\.00 +4\.00 ")
        self.assertRegex(txt, r"\nmx-sync +250\.0 .*\(12\.50x the "
                         r"random-data resync\)")
        with open(out + ".json") as f:
            res = json.load(f)
        self.assertEqual(res["reps"], 3)
        self.assertEqual(res["configs"][1]["metrics"]["qd1_iops"], 50)
        if shutil.which("gnuplot"):
            self.assertEqual(res.get("chart"), "out.png")
            self.assertGreater(os.path.getsize(out + ".png"), 1000)
            with open(os.path.join(self.dir, "chart.gp")) as f:
                self.assertIn("whiskerbars", f.read())


if __name__ == "__main__":
    unittest.main()
