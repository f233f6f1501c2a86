#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""mxflood: unauthenticated TCP connections against a mirrorx-recv target.

  mxflood.py HOST PORT SECS [PER_ROUND]

For SECS seconds, every 2 s, opens PER_ROUND (default 24) connections to
HOST:PORT: a third send garbage and close, a third stay idle (reading until
the target closes them, at most 30 s), a third trickle one garbage byte
every 3 s (a slow header that a per-read timeout would never end). Prints
"connects N" (connections the target accepted into its backlog), "refused N"
(failed connects), and "held MAX" (the longest, in seconds, the target kept
an idle or trickling connection open), then exits 0.
"""
import os
import socket
import sys
import threading
import time

host, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
per_round = int(sys.argv[4]) if len(sys.argv) > 4 else 24
lock = threading.Lock()
stats = {"connects": 0, "refused": 0, "held": 0.0}


def note(key, val=1):
    with lock:
        if key == "held":
            stats[key] = max(stats[key], val)
        else:
            stats[key] += val


def connect():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((host, port))
    except OSError:
        note("refused")
        s.close()
        return None
    note("connects")
    return s


def garbage():
    s = connect()
    if not s:
        return
    try:
        s.sendall(os.urandom(200))
    except OSError:
        pass
    s.close()


def hold(trickle):
    s = connect()
    if not s:
        return
    t0 = time.monotonic()
    s.settimeout(1)
    next_byte = t0
    while time.monotonic() - t0 < 30:
        if trickle and time.monotonic() >= next_byte:
            try:
                s.send(b"\x4d")
            except OSError:
                break
            next_byte += 3
        try:
            if not s.recv(4096):
                break
        except socket.timeout:
            continue
        except OSError:
            break
    note("held", time.monotonic() - t0)
    s.close()


threads = []
end = time.monotonic() + secs
while time.monotonic() < end:
    for i in range(per_round):
        if i % 3 == 0:
            t = threading.Thread(target=garbage)
        else:
            t = threading.Thread(target=hold, args=(i % 3 == 2,))
        t.start()
        threads.append(t)
    time.sleep(2)
for t in threads:
    t.join()
print("connects %d" % stats["connects"])
print("refused %d" % stats["refused"])
print("held %.1f" % stats["held"])
