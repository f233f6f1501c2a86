#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""mxflood: unauthenticated TCP connections against a mirrorx-recv target.

  mxflood.py HOST PORT SECS [PER_ROUND]

For SECS seconds, every 2 s, opens PER_ROUND (default 24) connections to
HOST:PORT: a third send garbage and close, a third stay idle (reading until
the target closes them, at most 30 s), a third trickle one garbage byte
every 3 s (a slow header that a per-read timeout would never end). Prints
"connects N" (connects that completed), "refused N" (failed connects),
"held MAX" (the longest, in seconds, an idle or trickling connection stayed
open after the target's first packet to it, the auth challenge of a target
with the auth option: how long the target let it try) and "limbo N"
(connections that got neither data nor EOF in 30 s: the kernel completed
their TCP handshake but dropped them from a full accept queue, so the
target never saw them), then exits 0.
"""
import os
import socket
import sys
import threading
import time

host, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
per_round = int(sys.argv[4]) if len(sys.argv) > 4 else 24
lock = threading.Lock()
stats = {"connects": 0, "refused": 0, "held": 0.0, "limbo": 0}


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
print("limbo %d" % stats["limbo"])
