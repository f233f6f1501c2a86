#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Unit test of scripts/bench/report.py over synthetic raw records (make
utest; no guests, well under a second without gnuplot, about one with).

The run: three rounds of linear, mx-sync, mx-async (refused: n/a) and
drbd-C, whose round 2 failed; the crash test once, for mx-sync; one record
without "rep" (an older run's format), which counts as round 1. mx-sync
has the latency during a full resync (busy, yield), the resync at the
WAN delay, whose link figure round 3 lacks, and the compression row
(sequential writes on the rate-limited link, uncompressed and lz4), whose
lz4 / uncompressed ratio misses its target in round 3 only.
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
                 "disk_cache": "none", "disk_options": "event_idx=off",
                 "wan_delay_each_way": "10ms",
                 "comp_rate_each_way": "16mbit",
                 "yield_resync_min_rate_kib": 4096,
                 "link_socket_rcvbuf": 4194304},
}

# config -> metric -> value per round (None: no record that round).
FIGURES = {
    "linear": {"qd1_iops": [100, 120, 110], "qd1_p50_us": [300, 280, 290],
               "qd1_meta_writes_per_k": [0, 0, 0]},
    "floor": {"local_qd1_p50_us": [300, 280, 290],
              "remote_qd1_p50_us": [310, 290, 300],
              "rtt_p50_us": [1900, 1700, 1800],
              "link_MBps": [40, 44, 42],
              "zero_read_MBps": [1000, 1250, 500],
              "wan_link_MBps": [30, 40, None],
              "comp_rtt_p50_us": [2500, 2600, 2700],
              "comp_link_MBps": [1.9, 1.95, 2.0],
              "remote_qd1_host_busy_pct": [100, 110, 120],
              "remote_qd1_guest_B_pct": [50, 40, 45]},
    "mx-sync": {"qd1_iops": [50, 60, 40], "qd1_p50_us": [2100, 2000, 2300],
                "qd1_meta_writes_per_k": [800, 900, 850],
                "resync_MBps": [20, 21, 19],
                "zero_resync_MBps": [300, 250, 190],
                "zero_sent_MiB": [0.0, 0.0, 0.0],
                "busy_qd1_p50_us": [8000, 9000, 6900],
                "busy_qd1_p99_us": [20000, 30000, 25000],
                "busy_resync_MBps": [18, 19, 20],
                "yield_qd1_p50_us": [4000, 4200, 4600],
                "yield_resync_MBps": [4, 4, 4],
                "wan_resync_MBps": [27, 30, 33],
                "comp_seq_MBps": [1.8, 1.9, 1.85],
                "comp_lz4_seq_MBps": [3.5, 3.7, 3.0],
                "comp_lz4_ratio": [1.95, 1.96, 1.94],
                "crash_resync_s": [6.0, None, None],
                "crash_written_MiB": [100.0, None, None],
                "qd1_host_busy_pct": [150, 170, 160],
                "qd1_qemu_A_pct": [80, 90, 70],
                "qd1_qemu_B_pct": [40, 45, 50],
                "qd1_guest_A_pct": [97, 99, 98],
                "zero_resync_host_busy_pct": [190, 180, 185],
                "zero_resync_guest_A_pct": [100, 100, 99]},
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
        # Its floor, the local read of the device: 250 / 1000.
        self.assertAlmostEqual(
            self.res["floor"]["derived"]["zero_resync_MBps"], 1000)
        self.assertAlmostEqual(
            self.cfg["mx-sync"]["ratios"]["zero_resync_MBps"]["floor"], 0.25)

    def test_targets(self):
        t = self.cfg["mx-sync"]["targets"]
        # Medians: busy 8000, idle 2100; per round 8000/2100,
        # 9000/2000, 6900/2300.
        b = t["busy_p50_x_idle"]
        self.assertAlmostEqual(b["value"], 8000 / 2100)
        self.assertEqual(len(b["rounds"]), 3)
        self.assertAlmostEqual(b["min"], 3.0)
        self.assertAlmostEqual(b["max"], 4.5)
        self.assertFalse(b["met"])
        y = t["yield_p50_x_idle"]
        self.assertAlmostEqual(y["value"], 4200 / 2100)
        self.assertTrue(y["met"])
        # WAN: 30 over the WAN link's median 35 (rounds 1 and 2 only).
        w = t["wan_x_link"]
        self.assertAlmostEqual(w["value"], 30 / 35)
        self.assertEqual(w["rounds"], [27 / 30, 30 / 40])
        self.assertTrue(w["met"])
        self.assertAlmostEqual(
            self.cfg["mx-sync"]["ratios"]["wan_resync_MBps"]["floor"],
            30 / 35)
        self.assertEqual(self.cfg["mx-sync"]["notes"]["busy_qd1_p99_us"],
                         25000)
        # lz4 / uncompressed: medians 3.5 / 1.85; round 3 (3.0 / 1.85)
        # below the target, the medians' ratio above it.
        c = t["lz4_x_plain"]
        self.assertAlmostEqual(c["value"], 3.5 / 1.85)
        self.assertEqual(c["rounds"], [3.5 / 1.8, 3.7 / 1.9, 3.0 / 1.85])
        self.assertEqual(c["target"], 1.7)
        self.assertTrue(c["met"])
        # Uncompressed, the floor is the rate-limited link (median 1.95).
        self.assertAlmostEqual(
            self.cfg["mx-sync"]["ratios"]["comp_seq_MBps"]["floor"],
            1.85 / 1.95)
        self.assertEqual(self.cfg["mx-sync"]["notes"]["comp_lz4_ratio"],
                         1.95)
        # Rows without the figures have no targets.
        self.assertEqual(self.cfg["drbd-C"]["targets"], {})
        self.assertEqual(self.cfg["linear"]["targets"], {})

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

    def test_table_without_link_buffer(self):
        # Runs before 2026-12-02 did not record it: no line, no error.
        res = dict(self.res)
        res["settings"] = dict(res["settings"])
        del res["settings"]["link_socket_rcvbuf"]
        txt = report.table(res)
        self.assertIn("3 rounds", txt)
        self.assertIn("disks cache=none, event_idx=off;", txt)
        self.assertNotIn("receive buffer", txt)

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
        self.assertIn("receive buffer 4096 KiB", txt)
        self.assertRegex(txt, r"\nmx-sync +50 +40% +0\.45x +2\.00x")
        self.assertRegex(txt, r"\ndrbd-C +25 +40% .*\(n=2\)")
        self.assertIn("850.0 (12%)", txt)
        # guest B's share was not recorded: a dash, not a 0.
        self.assertRegex(txt, r"\nmx-sync +qd1 +160 +80 +45 +98 +-\n")
        self.assertRegex(txt, r"\nmx-sync +zero_resync +185 +- +- +100 +-\n")
        self.assertRegex(txt, r"\nfloor +remote_qd1 +110 +- +- +- +45\n")
        self.assertNotRegex(txt, r"\ndrbd-C +qd1 ")
        self.assertRegex(txt, r"drbd-C +round 2: error")
        self.assertRegex(txt, r"\nmx-sync +3\.00 +2\.00 +4\.00 ")
        self.assertRegex(txt, r"\nmx-sync +250\.0 .* 0\.25x +\(12\.50x the "
                         r"random-data resync\)")
        self.assertIn("Local read of the all-zero device on A (1 MiB, QD 8): "
                      "1000 MB/s", txt)
        self.assertRegex(txt, r"\nmx-sync +8000 +26% .*\(3\.81x idle p50; "
                         r"p99 25000 us; resync 19\.00 MB/s meanwhile\)")
        self.assertRegex(txt, r"\nmx-sync +30\.00 .* 0\.86x +\(0\.86x the "
                         r"link at that RTT\)")
        self.assertIn("At the WAN delay (netem 10ms each way): RTT p50 - "
                      "us, link 35.00 MB/s", txt)
        self.assertIn("yield: resync_min_rate 4096 KiB/s", txt)
        self.assertIn("At the compression row's link rate (netem rate "
                      "16mbit each way): RTT p50 2600 us, link 1.95 MB/s",
                      txt)
        self.assertRegex(txt, r"\nmx-sync +3\.50 .*\(1\.89x uncompressed; "
                         r"lz4 ratio 1\.95x: 1\.79 MB/s on the wire\)")
        self.assertRegex(txt, r"lz4 / uncompressed +1\.89x "
                         r"\(1\.62x\.\.1\.95x\) target >= 1\.70x: met")
        self.assertRegex(txt, r"mx-sync +QD1 p50 during a full resync / idle "
                         r"\(no yield\) +3\.81x \(3\.00x\.\.4\.50x\) "
                         r"target <= 3\.00x: NOT met")
        self.assertRegex(txt, r"WAN RTT / link \(iperf3\) at that RTT +0\.86x "
                         r"\(0\.75x\.\.0\.90x\) target >= 0\.80x: met")
        with open(out + ".json") as f:
            res = json.load(f)
        self.assertEqual(res["reps"], 3)
        self.assertEqual(res["configs"][1]["metrics"]["qd1_iops"], 50)
        if shutil.which("gnuplot"):
            self.assertEqual(res.get("chart"), "out.png")
            self.assertGreater(os.path.getsize(out + ".png"), 1000)
            with open(os.path.join(self.dir, "chart.gp")) as f:
                gp = f.read()
            self.assertIn("whiskerbars", gp)
            # 16 metrics and 4 ratios: 5 rows of 4 panels; the busy
            # ratio's target is its dashed line (columns 51..53: the
            # 17th panel).
            self.assertIn("layout 5,4", gp)
            self.assertIn("size 1800,1750", gp)
            self.assertIn("2:51:52:53:51 with candlesticks whiskerbars 0.5 "
                          'fs empty lc rgb "black", 3.0 with lines dt 2', gp)
            self.assertIn(", 0.8 with lines dt 2", gp)
            self.assertIn(", 1.7 with lines dt 2", gp)


if __name__ == "__main__":
    unittest.main()
