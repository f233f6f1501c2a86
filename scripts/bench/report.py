#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the measurements of one benchmark run into a table, JSON and a chart.

scripts/bench/report.py RUNDIR OUTBASE

RUNDIR holds what scripts/bench/run.sh wrote:
  meta.json           settings of the run (sizes, fio jobs, DRBD configs...)
  measurements.jsonl  one object a line: {"config", "metric", "value"} or
                      {"config", "metric": "*", "na": "reason"}; config
                      "floor" holds the physical floor's components.
Writes OUTBASE.json, OUTBASE.txt (the table, also printed on stdout) and
OUTBASE.png (gnuplot, when gnuplot is installed).

Ratios are value / reference for every metric: read them with the metric's
direction ("higher" or "lower" is better) in mind.
"""
import json
import os
import shutil
import subprocess
import sys

METRICS = [
    # key, label, unit, better
    ("qd1_iops", "4 KiB random write QD1", "IOPS", "higher"),
    ("qd1_p50_us", "4 KiB random write QD1, p50 latency", "us", "lower"),
    ("qd1_p99_us", "4 KiB random write QD1, p99 latency", "us", "lower"),
    ("qd32_iops", "4 KiB random write QD32", "IOPS", "higher"),
    ("seq_MBps", "1 MiB sequential write QD8", "MB/s", "higher"),
    ("resync_MBps", "full initial resync", "MB/s", "higher"),
    ("crash_resync_MiB", "resync after a primary crash: data resynced",
     "MiB", "lower"),
    ("crash_resync_s", "resync after a primary crash: load to in sync",
     "s", "lower"),
]

# Configuration -> (kind, mode, DRBD reference defaults, tuned).
KINDS = {
    "linear": ("dm-linear", "-", None, None),
    "mx-sync": ("mirrorx", "sync", "drbd-C", "drbd-C-tuned"),
    "mx-async": ("mirrorx", "async", "drbd-A", "drbd-A-tuned"),
    "drbd-C": ("drbd", "sync", "drbd-C", "drbd-C-tuned"),
    "drbd-C-tuned": ("drbd", "sync", "drbd-C", "drbd-C-tuned"),
    "drbd-A": ("drbd", "async", "drbd-A", "drbd-A-tuned"),
    "drbd-A-tuned": ("drbd", "async", "drbd-A", "drbd-A-tuned"),
}


def load(rundir):
    with open(os.path.join(rundir, "meta.json")) as f:
        meta = json.load(f)
    values, na = {}, {}
    with open(os.path.join(rundir, "measurements.jsonl")) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            c = r["config"]
            if "na" in r:
                if r["metric"] == "*":
                    na.setdefault(c, r["na"])
                else:
                    na.setdefault((c, r["metric"]), r["na"])
            elif r.get("value") is not None:
                values.setdefault(c, {})[r["metric"]] = r["value"]
    return meta, values, na


def floors(fl):
    """Derived floors (per metric) from the measured components."""
    g = fl.get
    d = {}
    lp50, rp50, rtt = g("local_qd1_p50_us"), g("remote_qd1_p50_us"), \
        g("rtt_p50_us")
    if None not in (lp50, rp50, rtt):
        # As specified: local write + round trip + remote write, in series.
        d["qd1_p50_us"] = lp50 + rtt + rp50
        # The local and the remote write can overlap: a tighter floor.
        d["qd1_p50_us_overlap"] = max(lp50, rtt + rp50)
        d["qd1_iops"] = 1e6 / d["qd1_p50_us"]
    lp99, rp99, rtt99 = g("local_qd1_p99_us"), g("remote_qd1_p99_us"), \
        g("rtt_p99_us")
    if None not in (lp99, rp99, rtt99):
        d["qd1_p99_us"] = lp99 + rtt99 + rp99
    q = [v for v in (g("local_qd32_iops"), g("remote_qd32_iops"))
         if v is not None]
    if q:
        d["qd32_iops"] = min(q)
    s = [v for v in (g("local_seq_MBps"), g("link_MBps"),
                     g("remote_seq_MBps")) if v is not None]
    if s:
        d["seq_MBps"] = min(s)
    r = [v for v in (g("link_MBps"), g("remote_seq_MBps")) if v is not None]
    if r:
        d["resync_MBps"] = min(r)
    return d


def floor_for(key, mode, derived, linear):
    """The floor a configuration of this mode is measured against."""
    if mode == "async" and key in ("qd1_iops", "qd1_p50_us", "qd1_p99_us",
                                   "qd32_iops"):
        # An async write needs only the local write.
        return linear.get(key)
    if mode == "async" and key == "seq_MBps":
        # Sustained async throughput still drains over the link.
        return derived.get(key)
    return derived.get(key)


def ratio(v, ref):
    if v is None or ref is None or ref == 0:
        return None
    return v / ref


def fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if unit in ("IOPS", "us") or abs(v) >= 1000:
        return "%.0f" % v
    if abs(v) >= 100:
        return "%.1f" % v
    return "%.2f" % v


def fmt_r(v):
    return "-" if v is None else "%.2fx" % v


def build(meta, values, na):
    fl = values.get("floor", {})
    derived = floors(fl)
    linear = values.get("linear", {})
    configs = []
    for name in meta["configs"]:
        kind, mode, ref_d, ref_t = KINDS[name]
        vals = values.get(name, {})
        reason = na.get(name)
        c = {"name": name, "kind": kind, "mode": mode,
             "status": "n/a" if reason else "ok", "reason": reason,
             "metrics": {}, "ratios": {}, "notes": {}}
        for key, _, _, _ in METRICS:
            v = vals.get(key)
            c["metrics"][key] = v
            if v is None and not reason:
                c["notes"][key] = na.get(
                    (name, key), "no replication" if kind == "dm-linear"
                    else "not measured")
            rd = values.get(ref_d, {}).get(key) if ref_d else None
            rt = values.get(ref_t, {}).get(key) if ref_t else None
            c["ratios"][key] = {
                "linear": ratio(v, linear.get(key)) if name != "linear"
                else None,
                "drbd": ratio(v, rd) if name != ref_d else None,
                "drbd_tuned": ratio(v, rt) if name != ref_t else None,
                "floor": ratio(v, floor_for(key, mode, derived, linear))
                if kind != "dm-linear" else None,
            }
        for k, v in vals.items():
            if k not in c["metrics"]:
                c["notes"][k] = v
        configs.append(c)
    return {
        "schema": "dm-mirrorx-bench/1",
        "timestamp": meta.get("timestamp"),
        "quick": meta.get("quick"),
        "git": meta.get("git"),
        "host": meta.get("host"),
        "settings": meta.get("settings"),
        "metrics": [{"key": k, "label": lab, "unit": u, "better": b}
                    for k, lab, u, b in METRICS],
        "floor": {"measured": fl, "derived": derived},
        "configs": configs,
    }


def table(res):
    out = []
    s = res["settings"] or {}
    h = res["host"] or {}
    out.append("dm-mirrorx benchmark %s (%s run; %s, %s guests, disks "
               "cache=%s; host %s cores, load %s -> %s)" % (
                   res["timestamp"], "QUICK" if res["quick"] else "full",
                   s.get("accel"), s.get("guests"), s.get("disk_cache"),
                   h.get("nproc"), h.get("load_start"), h.get("load_end")))
    out.append("Absolute figures are noisy (TCG guests on a shared host): "
               "compare ratios.")
    fl = res["floor"]["measured"]
    dv = res["floor"]["derived"]
    out.append("Physical floor, same run: local QD1 p50 %s us, remote QD1 "
               "p50 %s us, RTT (4 KiB ping) p50 %s us; link %s MB/s; local "
               "seq %s MB/s, remote seq %s MB/s" % (
                   fmt(fl.get("local_qd1_p50_us"), "us"),
                   fmt(fl.get("remote_qd1_p50_us"), "us"),
                   fmt(fl.get("rtt_p50_us"), "us"),
                   fmt(fl.get("link_MBps")), fmt(fl.get("local_seq_MBps")),
                   fmt(fl.get("remote_seq_MBps"))))
    if "qd1_p50_us" in dv:
        out.append("  sync QD1 p50 floor = local + RTT + remote = %s us "
                   "(%s us if local and remote writes overlap)" % (
                       fmt(dv["qd1_p50_us"], "us"),
                       fmt(dv["qd1_p50_us_overlap"], "us")))
    out.append("Ratios: value / reference. x DRBD = vs DRBD defaults of the "
               "same protocol (C for sync rows, A for async); x tuned = vs "
               "DRBD with tcp-cork, disk-flushes, md-flushes off and an "
               "unthrottled resync.")
    for key, label, unit, better in METRICS:
        if not any(c["metrics"][key] is not None or c["status"] != "ok"
                   for c in res["configs"]):
            continue
        f = dv.get(key)
        out.append("")
        out.append("== %s (%s, %s is better)%s" % (
            label, unit, better,
            "; floor %s" % fmt(f, unit) if f is not None else ""))
        out.append("%-14s %10s %9s %9s %9s %9s" % (
            "config", unit, "x linear", "x DRBD", "x tuned", "x floor"))
        for c in res["configs"]:
            v = c["metrics"][key]
            r = c["ratios"][key]
            if c["status"] != "ok":
                out.append("%-14s %s" % (c["name"], "n/a (%s)" % c["reason"]))
                continue
            if v is None:
                out.append("%-14s %10s   (%s)" % (
                    c["name"], "-", c["notes"].get(key, "")))
                continue
            extra = ""
            if key == "crash_resync_MiB" and \
                    c["notes"].get("crash_written_MiB") is not None:
                extra = "  (%s MiB written before the crash)" % fmt(
                    c["notes"]["crash_written_MiB"])
            out.append("%-14s %10s %9s %9s %9s %9s%s" % (
                c["name"], fmt(v, unit), fmt_r(r["linear"]),
                fmt_r(r["drbd"]), fmt_r(r["drbd_tuned"]), fmt_r(r["floor"]),
                extra))
    rows = [c for c in res["configs"] if c["status"] == "ok" and any(
        "%s_meta_writes_per_k" % j in c["notes"] for j in ("qd1", "qd32",
                                                          "seq"))]
    if rows:
        out.append("")
        out.append("== where time goes: metadata-disk writes per 1000 "
                   "application writes (mirrorx intent log, DRBD activity "
                   "log; 0 for dm-linear)")
        out.append("%-14s %9s %9s %9s" % ("config", "QD1", "QD32", "seq"))
        for c in rows:
            out.append("%-14s %9s %9s %9s" % ((c["name"],) + tuple(
                fmt(c["notes"].get("%s_meta_writes_per_k" % j))
                for j in ("qd1", "qd32", "seq"))))
    return "\n".join(out) + "\n"


def chart(res, png, workdir):
    gp = shutil.which("gnuplot")
    if not gp:
        print("report: no gnuplot, no chart", file=sys.stderr)
        return False
    names = [c["name"] for c in res["configs"]]
    dat = os.path.join(workdir, "chart.dat")
    with open(dat, "w") as f:
        f.write("# config " + " ".join(k for k, _, _, _ in METRICS) + "\n")
        for i, c in enumerate(res["configs"]):
            row = [c["metrics"][k] for k, _, _, _ in METRICS]
            f.write("%s %d %s\n" % (c["name"], i + 1, " ".join(
                "NaN" if v is None else repr(float(v)) for v in row)))
    lines = [
        'set terminal pngcairo size 1800,950 font "sans,10"',
        'set output "%s"' % png,
        'set datafile missing "NaN"',
        'set style fill solid 0.8 border -1',
        'set boxwidth 0.7',
        'set grid ytics',
        'set xtics rotate by -35 scale 0',
        'set yrange [0:*]',
        'set key off',
        'set multiplot layout 2,4 title "dm-mirrorx vs dm-linear vs DRBD '
        '8.4 (%s%s; n/a bars are missing; dashed: physical floor)"' % (
            res["timestamp"], ", QUICK" if res["quick"] else ""),
    ]
    for col, (key, label, unit, better) in enumerate(METRICS):
        f = res["floor"]["derived"].get(key)
        lines.append('set title "%s\\n(%s, %s is better)"' % (
            label, unit, better))
        lines.append('set xrange [0.3:%f]' % (len(names) + 0.7))
        if all(c["metrics"][key] is None for c in res["configs"]):
            # gnuplot refuses a plot without a single valid point.
            lines.append('set label 1 "no data" at graph 0.5,0.5 center')
            lines.append('plot [0:1] [0:1] -1')
            lines.append('unset label 1')
            continue
        vals = [c["metrics"][key] for c in res["configs"]
                if c["metrics"][key]]
        logy = vals and max(vals) > 20 * min(vals)
        if logy:
            # dm-linear would flatten every replicated bar.
            lines.append('set logscale y')
            lines.append('set yrange [*:*]')
            lines.append('set title "%s\\n(%s, %s is better; log scale)"' % (
                label, unit, better))
        labels = []
        for i, c in enumerate(res["configs"]):
            if c["metrics"][key] is None:
                labels.append(10 + i)
                lines.append('set label %d "n/a" at %d, graph 0.04 center'
                             % (10 + i, i + 1))
        plot = ('plot "%s" using 2:%d:(0.7):2:xtic(1) with boxes '
                'lc variable' % (dat, col + 3))
        if f is not None:
            plot += ', %r with lines dt 2 lw 2 lc rgb "black"' % float(f)
        lines.append(plot)
        lines.extend("unset label %d" % n for n in labels)
        if logy:
            lines.append('unset logscale y')
            lines.append('set yrange [0:*]')
    lines.append("unset multiplot")
    gpf = os.path.join(workdir, "chart.gp")
    with open(gpf, "w") as f:
        f.write("\n".join(lines) + "\n")
    r = subprocess.run([gp, gpf], capture_output=True, text=True)
    if r.returncode != 0:
        print("report: gnuplot failed:\n" + r.stderr, file=sys.stderr)
        return False
    return True


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    rundir, outbase = sys.argv[1], sys.argv[2]
    meta, values, na = load(rundir)
    res = build(meta, values, na)
    txt = table(res)
    png = outbase + ".png"
    if chart(res, png, rundir):
        res["chart"] = os.path.basename(png)
    with open(outbase + ".json", "w") as f:
        json.dump(res, f, indent=1, sort_keys=False, allow_nan=False,
                  default=lambda o: None)
        f.write("\n")
    with open(outbase + ".txt", "w") as f:
        f.write(txt)
    sys.stdout.write(txt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
