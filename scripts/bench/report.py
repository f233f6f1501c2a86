#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the measurements of one benchmark run into a table, JSON and a chart.

scripts/bench/report.py RUNDIR OUTBASE

RUNDIR holds what scripts/bench/run.sh wrote:
  meta.json           settings of the run (sizes, fio jobs, DRBD configs,
                      "reps": the number of rounds...)
  measurements.jsonl  one object a line: {"config", "metric", "value",
                      "rep", "load1"} or {"config", "metric": "*" or a
                      metric, "na": "reason", "rep"}; config "floor" holds
                      the physical floor's components. "rep" is the round
                      (1..reps) the figure comes from, "load1" the host's
                      1-minute load average when it was taken. A record
                      without "rep" counts as round 1 (older runs).
Writes OUTBASE.json, OUTBASE.txt (the table, also printed on stdout) and
OUTBASE.png (gnuplot, when gnuplot is installed).

Every figure is the median over the rounds that measured it; its spread is
(max - min) / median (the table's "spread" column, in percent), and the
JSON keeps min, max, n and every value (stats). Ratios are ratios of
medians, value / reference for every metric: read them with the metric's
direction ("higher" or "lower" is better) in mind.
"""
import json
import os
import shutil
import statistics
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
    ("zero_resync_MBps", "full initial resync of an all-zero device",
     "MB/s", "higher"),
    ("zero_sent_MiB", "full initial resync of an all-zero device: data "
     "sent over the link", "MiB", "lower"),
    ("busy_qd1_p50_us", "4 KiB random write QD1 p50 during a full resync "
     "(no yield)", "us", "lower"),
    ("yield_qd1_p50_us", "4 KiB random write QD1 p50 during a full resync "
     "(yield)", "us", "lower"),
    ("wan_resync_MBps", "full initial resync, netem delay on the link "
     "(WAN RTT)", "MB/s", "higher"),
    ("comp_seq_MBps", "1 MiB sequential write QD8, 2:1 compressible data, "
     "rate-limited link, uncompressed", "MB/s", "higher"),
    ("comp_lz4_seq_MBps", "1 MiB sequential write QD8, 2:1 compressible "
     "data, rate-limited link, compress lz4", "MB/s", "higher"),
    ("crash_resync_MiB", "resync after a primary crash: data resynced",
     "MiB", "lower"),
    ("crash_sent_MiB", "resync after a primary crash: data sent over the link",
     "MiB", "lower"),
    ("crash_resync_s", "resync after a primary crash: load to in sync",
     "s", "lower"),
]

# The ratios the targets are stated in, charted with the target as
# a dashed line: key, label, numerator (config metric), denominator
# (config metric, or ("floor", metric)), target, better.
RATIOS = [
    ("busy_p50_x_idle", "QD1 p50 during a full resync / idle (no yield)",
     "busy_qd1_p50_us", "qd1_p50_us", 3.0, "lower"),
    ("yield_p50_x_idle", "QD1 p50 during a full resync / idle (yield)",
     "yield_qd1_p50_us", "qd1_p50_us", 3.0, "lower"),
    ("wan_x_link", "full resync at WAN RTT / link (iperf3) at that RTT",
     "wan_resync_MBps", ("floor", "wan_link_MBps"), 0.8, "higher"),
    ("lz4_x_plain", "seq write on the rate-limited link, lz4 / uncompressed",
     "comp_lz4_seq_MBps", "comp_seq_MBps", 1.7, "higher"),
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
    """meta, samples {config: {metric: [(rep, value, load1)]}}, na.

    na maps a config (whole row) or (config, metric) to [(rep, reason)].
    """
    with open(os.path.join(rundir, "meta.json")) as f:
        meta = json.load(f)
    samples, na = {}, {}
    with open(os.path.join(rundir, "measurements.jsonl")) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            c = r["config"]
            n = r.get("rep", 1)
            if "na" in r:
                k = c if r["metric"] == "*" else (c, r["metric"])
                na.setdefault(k, []).append((n, r["na"]))
            elif r.get("value") is not None:
                samples.setdefault(c, {}).setdefault(r["metric"], []).append(
                    (n, r["value"], r.get("load1")))
    return meta, samples, na


def stats(s):
    """Median, min, max, spread ((max - min) / median) of [(rep, v, load)]."""
    s = sorted(s, key=lambda x: x[0])
    v = [x[1] for x in s]
    med = statistics.median(v)
    lo, hi = min(v), max(v)
    if med:
        spread = (hi - lo) / abs(med)
    else:
        spread = 0.0 if hi == lo else None
    return {"n": len(v), "median": med, "min": lo, "max": hi,
            "spread": spread, "values": v, "reps": [x[0] for x in s],
            "load1": [x[2] for x in s]}


def summarize(samples):
    """{config: {metric: stats}} and the medians {config: {metric: v}}."""
    st = {c: {m: stats(s) for m, s in ms.items()}
          for c, ms in samples.items()}
    med = {c: {m: x["median"] for m, x in ms.items()} for c, ms in st.items()}
    return st, med


def load_of(ms):
    """Host load over a row's records: median, min, max, n (or None)."""
    ls = [x for s in ms.values() for x in s["load1"] if x is not None]
    if not ls:
        return None
    return {"median": statistics.median(ls), "min": min(ls), "max": max(ls),
            "n": len(ls)}


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
    if g("zero_read_MBps") is not None:
        # The all-zero sync reads the whole device on the source and sends
        # headers only: reading it is its floor.
        d["zero_resync_MBps"] = g("zero_read_MBps")
    if g("wan_link_MBps") is not None:
        # The link at that RTT (the disks are the same as for resync_MBps).
        d["wan_resync_MBps"] = g("wan_link_MBps")
    if g("comp_link_MBps") is not None:
        # Uncompressed, the rate-limited link is the bottleneck.
        d["comp_seq_MBps"] = g("comp_link_MBps")
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


def round_ratios(num, den):
    """Per-round ratios of two stats (the rounds both measured)."""
    if not num or not den:
        return []
    d = dict(zip(den["reps"], den["values"]))
    return [v / d[r] for r, v in zip(num["reps"], num["values"])
            if d.get(r)]


def target_ratios(st, med, name):
    """RATIOS of configuration @name: {key: {"value": ratio of the
    medians, "rounds": per-round ratios, "min", "max", "target", "met"}}."""
    out = {}
    for key, _, num, den, target, better in RATIOS:
        dc, dm = ("floor", den[1]) if isinstance(den, tuple) else (name, den)
        v = ratio(med.get(name, {}).get(num), med.get(dc, {}).get(dm))
        if v is None:
            continue
        rr = round_ratios(st.get(name, {}).get(num), st.get(dc, {}).get(dm))
        out[key] = {"value": v, "rounds": rr,
                    "min": min(rr) if rr else v, "max": max(rr) if rr else v,
                    "target": target,
                    "met": v <= target if better == "lower" else
                    v >= target}
    return out


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


def fmt_s(st):
    """A figure's spread for the table: "12%", "-" for a single value."""
    if st is None or st["n"] < 2 or st["spread"] is None:
        return "-"
    return "%.0f%%" % (100 * st["spread"])


def build(meta, samples, na):
    st, values = summarize(samples)
    fl = values.get("floor", {})
    derived = floors(fl)
    linear = values.get("linear", {})
    configs = []
    for name in meta["configs"]:
        kind, mode, ref_d, ref_t = KINDS[name]
        vals = values.get(name, {})
        # A row is n/a when no round measured anything; a round that
        # failed in a row that has figures is listed under "failures".
        fails = sorted(na.get(name, []))
        reason = fails[0][1] if fails and not vals else None
        c = {"name": name, "kind": kind, "mode": mode,
             "status": "n/a" if reason else "ok", "reason": reason,
             "metrics": {}, "ratios": {}, "notes": {},
             "stats": st.get(name, {}),
             "load1": load_of(st.get(name, {})),
             "failures": [] if reason else [
                 {"rep": n, "reason": r} for n, r in fails]}
        for key, _, _, _ in METRICS:
            v = vals.get(key)
            c["metrics"][key] = v
            if v is None and not reason:
                why = na.get((name, key))
                c["notes"][key] = why[0][1] if why else (
                    "no replication" if kind == "dm-linear"
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
        # Same device size: the all-zero sync's speed-up over random data.
        c["zero_speedup"] = ratio(vals.get("zero_resync_MBps"),
                                  vals.get("resync_MBps"))
        # Latency during a resync against idle, resync at WAN RTT
        # against the link at that RTT, lz4 against uncompressed on the
        # rate-limited link.
        c["targets"] = target_ratios(st, values, name)
        if c["load1"]:
            c["notes"]["load1"] = c["load1"]["median"]
        configs.append(c)
    return {
        "schema": "dm-mirrorx-bench/1",
        "timestamp": meta.get("timestamp"),
        "quick": meta.get("quick"),
        "git": meta.get("git"),
        "reps": meta.get("reps", 1),
        "host": meta.get("host"),
        "settings": meta.get("settings"),
        "metrics": [{"key": k, "label": lab, "unit": u, "better": b}
                    for k, lab, u, b in METRICS],
        "targets": [{"key": k, "label": lab, "target": t, "better": b}
                    for k, lab, _, _, t, b in RATIOS],
        "floor": {"measured": fl, "derived": derived,
                  "stats": st.get("floor", {})},
        "configs": configs,
    }


def during_resync(c, key):
    """The table's note after a resync-under-load, WAN or compression
    figure."""
    n, t = c["notes"], c.get("targets", {})
    if key in ("busy_qd1_p50_us", "yield_qd1_p50_us"):
        p = key.split("_")[0]
        r = t.get("%s_p50_x_idle" % p)
        return "  (%s idle p50; p99 %s us; resync %s MB/s meanwhile)" % (
            fmt_r(r and r["value"]), fmt(n.get("%s_qd1_p99_us" % p), "us"),
            fmt(n.get("%s_resync_MBps" % p)))
    if key == "wan_resync_MBps":
        r = t.get("wan_x_link")
        return "  (%s the link at that RTT)" % fmt_r(r and r["value"])
    if key == "comp_lz4_seq_MBps":
        # What crossed the link: the data over the module's ratio (to
        # hold against the link at that rate, as the uncompressed row).
        r, cr = t.get("lz4_x_plain"), n.get("comp_lz4_ratio")
        v = c["metrics"].get(key)
        return "  (%s uncompressed; lz4 ratio %s: %s MB/s on the wire)" % (
            fmt_r(r and r["value"]), fmt_r(cr),
            fmt(v / cr if v is not None and cr else None))
    return ""


def table(res):
    out = []
    s = res["settings"] or {}
    h = res["host"] or {}
    reps = res.get("reps") or 1
    out.append("dm-mirrorx benchmark %s (%s run; %s, %s guests, disks "
               "cache=%s%s; host %s cores, load %s -> %s)" % (
                   res["timestamp"], "QUICK" if res["quick"] else "full",
                   s.get("accel"), s.get("guests"), s.get("disk_cache"),
                   ", " + s["disk_options"] if s.get("disk_options") else "",
                   h.get("nproc"), h.get("load_start"), h.get("load_end")))
    if s.get("link_socket_rcvbuf"):
        out.append("Guest links: UDP on the host's loopback, each socket's "
                   "receive buffer %d KiB (README: Where the time goes)" %
                   (s["link_socket_rcvbuf"] // 1024))
    out.append("%d round%s, every configuration once per round (interleaved); "
               "figures are medians over the rounds, spread = (max - min) / "
               "median." % (reps, "" if reps == 1 else "s"))
    out.append("Absolute figures are noisy (TCG guests on a shared host): "
               "compare ratios (ratios of medians).")
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
    for p, what in (("wan_", "the WAN delay (netem %s each way)" %
                     s.get("wan_delay_each_way", "?")),
                    ("comp_", "the compression row's link rate (netem rate "
                     "%s each way)" % s.get("comp_rate_each_way", "?"))):
        if fl.get(p + "link_MBps") is not None:
            out.append("At %s: RTT p50 %s us, link %s MB/s" % (
                what, fmt(fl.get(p + "rtt_p50_us"), "us"),
                fmt(fl.get(p + "link_MBps"))))
    if fl.get("zero_read_MBps") is not None:
        out.append("Local read of the all-zero device on A (1 MiB, QD 8): "
                   "%s MB/s" % fmt(fl.get("zero_read_MBps")))
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
        out.append("%-14s %10s %6s %9s %9s %9s %9s" % (
            "config", unit, "spread", "x linear", "x DRBD", "x tuned",
            "x floor"))
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
            st = c["stats"].get(key)
            extra = ""
            if st and st["n"] != reps:
                extra += "  (n=%d)" % st["n"]
            if key == "zero_resync_MBps" and c.get("zero_speedup"):
                extra += "  (%s the random-data resync)" % fmt_r(
                    c["zero_speedup"])
            extra += during_resync(c, key)
            if key == "crash_resync_MiB" and \
                    c["notes"].get("crash_written_MiB") is not None:
                extra += "  (%s MiB written before the crash)" % fmt(
                    c["notes"]["crash_written_MiB"])
            out.append("%-14s %10s %6s %9s %9s %9s %9s%s" % (
                c["name"], fmt(v, unit), fmt_s(st), fmt_r(r["linear"]),
                fmt_r(r["drbd"]), fmt_r(r["drbd_tuned"]), fmt_r(r["floor"]),
                extra))
    jobs = ("qd1", "qd32", "seq")
    rows = [c for c in res["configs"] if c["status"] == "ok" and any(
        "%s_meta_writes_per_k" % j in c["notes"] for j in jobs)]
    if rows:
        out.append("")
        out.append("== where time goes: metadata-disk writes per 1000 "
                   "application writes (mirrorx intent log, DRBD activity "
                   "log; 0 for dm-linear), median (spread)")
        out.append("%-14s %14s %14s %14s" % ("config", "QD1", "QD32", "seq"))
        for c in rows:
            cells = []
            for j in jobs:
                k = "%s_meta_writes_per_k" % j
                v = c["notes"].get(k)
                cells.append("-" if v is None else "%s (%s)" % (
                    fmt(v), fmt_s(c["stats"].get(k))))
            out.append("%-14s %14s %14s %14s" % ((c["name"],) + tuple(cells)))
    parts = ("host_busy", "qemu_A", "qemu_B", "guest_A", "guest_B")
    tail = "_host_busy_pct"
    fm = (res.get("floor") or {}).get("measured") or {}
    rows = [(c["name"], c["notes"], k[:-len(tail)])
            for c in res["configs"] if c["status"] == "ok"
            for k in sorted(c["notes"]) if k.endswith(tail)]
    rows += [("floor", fm, k[:-len(tail)]) for k in sorted(fm)
             if k.endswith(tail)]
    if rows:
        out.append("")
        out.append("== where CPU goes during the jobs (the fio jobs, "
                   "the floor's remote ones on B, the timed resyncs: from "
                   "the host's call to create the device to its return "
                   "after in sync): percent of one "
                   "core, median; host: all its %s cores; QEMU A/B: each "
                   "guest's QEMU process (vCPU and device emulation); "
                   "guest A/B: the guest's one vCPU not idle (the run's "
                   "cpu/ directory has each guest's busiest threads)" %
                   h.get("nproc"))
        out.append("%-14s %-13s %6s %7s %7s %8s %8s" % (
            "config", "job", "host", "QEMU A", "QEMU B", "guest A",
            "guest B"))
        for name, notes, j in rows:
            cells = [notes.get("%s_%s_pct" % (j, k)) for k in parts]
            out.append("%-14s %-13s %6s %7s %7s %8s %8s" % (
                (name, j) + tuple("-" if v is None else "%.0f" % v
                                  for v in cells)))
    rows = [c for c in res["configs"] if c.get("targets")]
    if rows:
        out.append("")
        out.append("== targets: ratios of medians (min..max of the "
                   "per-round ratios); no yield: resync_min_rate 0, "
                   "yield: resync_min_rate %s KiB/s (the module's "
                   "default: 4096)" %
                   s.get("yield_resync_min_rate_kib", "?"))
        for key, label, _, _, target, better in RATIOS:
            for c in rows:
                r = c["targets"].get(key)
                if r is None:
                    continue
                out.append("%-14s %-52s %6s (%s..%s) target %s %s: %s" % (
                    c["name"], label, fmt_r(r["value"]), fmt_r(r["min"]),
                    fmt_r(r["max"]), "<=" if better == "lower" else ">=",
                    fmt_r(target), "met" if r["met"] else "NOT met"))
    rows = [c for c in res["configs"] if c.get("load1")]
    if rows:
        out.append("")
        out.append("== host load: 1-minute load average at the end of each "
                   "of the row's jobs (host has %s cores)" % h.get("nproc"))
        out.append("%-14s %7s %7s %7s %7s" % (
            "config", "median", "min", "max", "records"))
        for c in rows:
            ld = c["load1"]
            out.append("%-14s %7.2f %7.2f %7.2f %7d" % (
                c["name"], ld["median"], ld["min"], ld["max"], ld["n"]))
    fails = [(c["name"], x) for c in res["configs"] for x in c["failures"]]
    if fails:
        out.append("")
        out.append("== failed rounds (their figures are missing from the "
                   "medians)")
        for name, x in fails:
            out.append("%-14s round %s: %s" % (name, x["rep"], x["reason"]))
    return "\n".join(out) + "\n"


def value_of(c, key, where):
    """A chart panel's value for configuration @c: a metric or a ratio."""
    if where == "metrics":
        return c["metrics"][key]
    r = c.get("targets", {}).get(key)
    return r and r["value"]


def chart(res, png, workdir):
    gp = shutil.which("gnuplot")
    if not gp:
        print("report: no gnuplot, no chart", file=sys.stderr)
        return False
    names = [c["name"] for c in res["configs"]]
    panels = [k for k, _, _, _ in METRICS] + [k for k, _, _, _, _, _ in
                                              RATIOS]
    dat = os.path.join(workdir, "chart.dat")
    with open(dat, "w") as f:
        # Per metric three columns: median, min, max over the rounds.
        # Then the same for each of RATIOS (min..max of the rounds').
        f.write("# config index " + " ".join(
            "%s %s_min %s_max" % (k, k, k) for k in panels) + "\n")
        for i, c in enumerate(res["configs"]):
            row = []
            for k, _, _, _ in METRICS:
                v, st = c["metrics"][k], c["stats"].get(k)
                if v is None or st is None:
                    row += [None, None, None]
                else:
                    row += [v, st["min"], st["max"]]
            for k, _, _, _, _, _ in RATIOS:
                r = c.get("targets", {}).get(k)
                row += [None, None, None] if r is None else [
                    r["value"], r["min"], r["max"]]
            f.write("%s %d %s\n" % (c["name"], i + 1, " ".join(
                "NaN" if v is None else repr(float(v)) for v in row)))
    lines = [
        'set terminal pngcairo size 1800,%d font "sans,10"' % (
            350 * ((len(panels) + 3) // 4)),
        'set output "%s"' % png,
        'set datafile missing "NaN"',
        'set style fill solid 0.8 border -1',
        'set boxwidth 0.7',
        'set grid ytics',
        'set xtics rotate by -35 scale 0',
        'set yrange [0:*]',
        'set key off',
        'set multiplot layout %d,4 title "dm-mirrorx vs dm-linear vs DRBD '
        '8.4 (%s%s; bars: median of %d rounds, error bars: min..max; n/a '
        'bars are missing; dashed: physical floor, or the target of a '
        'ratio)"' % (
            (len(panels) + 3) // 4, res["timestamp"],
            ", QUICK" if res["quick"] else "", res.get("reps") or 1),
    ]
    items = [(k, lab, u, b, res["floor"]["derived"].get(k), "metrics")
             for k, lab, u, b in METRICS] + \
        [(k, lab, "x", b, t, "targets") for k, lab, _, _, t, b in RATIOS]
    for col, (key, label, unit, better, f, where) in enumerate(items):
        vals = [value_of(c, key, where) for c in res["configs"]]
        lines.append('set title "%s\\n(%s, %s is better)"' % (
            label, unit, better))
        lines.append('set xrange [0.3:%f]' % (len(names) + 0.7))
        if all(v is None for v in vals):
            # gnuplot refuses a plot without a single valid point.
            lines.append('set label 1 "no data" at graph 0.5,0.5 center')
            lines.append('plot [0:1] [0:1] -1')
            lines.append('unset label 1')
            continue
        nz = [v for v in vals if v]
        logy = nz and max(nz) > 20 * min(nz)
        if logy:
            # dm-linear would flatten every replicated bar.
            lines.append('set logscale y')
            lines.append('set yrange [*:*]')
            lines.append('set title "%s\\n(%s, %s is better; log scale)"' % (
                label, unit, better))
        labels = []
        for i, v in enumerate(vals):
            if v is None:
                labels.append(10 + i)
                lines.append('set label %d "n/a" at %d, graph 0.04 center'
                             % (10 + i, i + 1))
        # The bar is the median; min..max as whiskers (a flat candlestick:
        # yerrorbars would punch a hole at the median).
        m = 3 * col + 3
        plot = ('plot "%s" using 2:%d:(0.7):2:xtic(1) with boxes '
                'lc variable, "" using 2:%d:%d:%d:%d with candlesticks '
                'whiskerbars 0.5 fs empty lc rgb "black"' % (
                    dat, m, m, m + 1, m + 2, m))
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


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    rundir, outbase = argv
    meta, samples, na = load(rundir)
    res = build(meta, samples, na)
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
