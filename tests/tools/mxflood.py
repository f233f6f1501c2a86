#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""mxflood: unauthenticated TCP connections against a mirrorx-recv target.

  mxflood.py HOST PORT SECS [PER_ROUND] [--from ADDR[,ADDR...]]
             [--hog N [--stop-file PATH]]

IPv4 only. With --from, connections are bound to the listed local
addresses, so the target sees that many stranger hosts: without --hog,
the i-th connection opened to the (i mod n)-th; with --hog, thread k to
the k-th, then the (k + N)-th... (mod n). A failed bind (an address this
host lacks) is counted as "bindfail" and makes the tool exit 1.

With --hog N: for SECS seconds, or until PATH exists, N threads each keep
one idle connection open and open the next 0.1 s after the target closes
theirs (a stranger that tries to hold every greeting slot). Prints
"connects N", "refused N" (failed connects), "admitted N" (connections the
target served: it sent the auth challenge) and "closed N" (connections it
closed without a byte: no slot).

Without --hog: for SECS seconds, every 2 s, opens PER_ROUND (default 24)
connections to HOST:PORT: a third send garbage and close, a third stay
idle (reading until the target closes them, at most 30 s), a third
trickle one garbage byte every 3 s (a slow header that a per-read timeout
would never end). Prints
"connects N" (connects that completed), "refused N" (failed connects),
"held MAX" (the longest, in seconds, an idle or trickling connection stayed
open after the target's first packet to it, the auth challenge of a target
with the auth option: how long the target let it try) and "limbo N"
(connections that got neither data nor EOF in 30 s: the kernel completed
their TCP handshake but dropped them from a full accept queue, so the
target never saw them) and "bindfail N".
"""
import argparse
import os
import socket
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("host")
ap.add_argument("port", type=int)
ap.add_argument("secs", type=float)
ap.add_argument("per_round", type=int, nargs="?", default=24)
ap.add_argument("--from", dest="sources", default="")
ap.add_argument("--hog", type=int, default=0)
ap.add_argument("--stop-file", default="")
args = ap.parse_args()
host, port, secs, per_round = args.host, args.port, args.secs, args.per_round
sources = [a for a in args.sources.split(",") if a]
lock = threading.Lock()
stats = {"connects": 0, "refused": 0, "held": 0.0, "limbo": 0,
         "admitted": 0, "closed": 0, "bindfail": 0}


def note(key, val=1):
    with lock:
        if key == "held":
            stats[key] = max(stats[key], val)
        else:
            stats[key] += val


def connect(i=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    if sources:
        try:
            s.bind((sources[i % len(sources)], 0))
        except OSError:
            note("bindfail")
            s.close()
            return None
    try:
        s.connect((host, port))
    except OSError:
        note("refused")
        s.close()
        return None
    note("connects")
    return s


def garbage(i):
    s = connect(i)
    if not s:
        return
    try:
        s.sendall(os.urandom(200))
    except OSError:
        pass
    s.close()


def hold(i, trickle):
    s = connect(i)
    if not s:
        return
    t0 = time.monotonic()
    first = None
    ended = False
    s.settimeout(1)
    next_byte = t0
    while time.monotonic() - t0 < 30:
        if trickle and time.monotonic() >= next_byte:
            try:
                s.send(b"\x4d")
            except OSError:
                ended = True
                break
            next_byte += 3
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        except OSError:
            ended = True
            break
        if not data:
            ended = True
            break
        if first is None:
            first = time.monotonic()
    if first is not None:
        note("held", time.monotonic() - first)
    elif not ended:
        note("limbo")
    s.close()


def hog_on(end):
    if args.stop_file and os.path.exists(args.stop_file):
        return False
    return time.monotonic() < end


def hog(k):
    """Keep one idle connection open until the end, reopening it 0.1 s after it closed."""
    end = time.monotonic() + secs
    i = k
    while hog_on(end):
        s = connect(i)
        i += args.hog
        if not s:
            time.sleep(0.1)
            continue
        s.settimeout(0.2)
        got = False
        while hog_on(end):
            try:
                data = s.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            if not got:
                got = True
                note("admitted")
        if not got and hog_on(end):
            note("closed")
        s.close()
        # Again at once, but for 0.1 s: the test's stranger shares a
        # single-vCPU guest with the source, which a busy loop would starve.
        time.sleep(0.1)


threads = []
if args.hog:
    for k in range(args.hog):
        t = threading.Thread(target=hog, args=(k,))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    for key in ("connects", "refused", "admitted", "closed", "bindfail"):
        print("%s %d" % (key, stats[key]))
    sys.exit(1 if stats["bindfail"] else 0)
end = time.monotonic() + secs
n = 0
while time.monotonic() < end:
    for i in range(per_round):
        if i % 3 == 0:
            t = threading.Thread(target=garbage, args=(n,))
        else:
            t = threading.Thread(target=hold, args=(n, i % 3 == 2))
        n += 1
        t.start()
        threads.append(t)
    time.sleep(2)
for t in threads:
    t.join()
print("connects %d" % stats["connects"])
print("refused %d" % stats["refused"])
print("held %.1f" % stats["held"])
print("limbo %d" % stats["limbo"])
print("bindfail %d" % stats["bindfail"])
sys.exit(1 if stats["bindfail"] else 0)
