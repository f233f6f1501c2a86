#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""mxpeer: a minimal dm-mirrorx source speaking the wire protocol (wire.h),
for tests that feed a receiver crafted packets.

  mxpeer.py HOST PORT SECTORS CASE

handshakes as source node 0 towards node 1 (claims the target is in sync at
a fixed generation), then runs CASE:
  write        one valid 4 KiB write at sector 8 with data_csum; expects ACK
  beyond       a write past the end of the device
  overflow     a write whose sector + size wraps around
  badlen       payload length different from its size
  huge         a 16 MiB payload
  magic        bad magic
  type         unknown packet type
  csum         a write whose crc32c trailer is wrong
  unaligned    a 100-byte write
  bitmap       a BITMAP packet in the data phase
  misaligned   a 4 KiB write at sector 9 (whole 512-byte blocks only)
prints "dropped" if the receiver closed the connection, "acked SHA256" (of
the data written) for an ACK, and exits 0; anything else exits 1.
"""
import hashlib
import os
import socket
import struct
import sys

MAGIC = 0x4D58524D
HELLO, BITMAP, SYNC_STATE, DATA, ACK = 1, 4, 5, 6, 9
WF_CSUM = 1 << 4
HDR = struct.Struct(">IHHIIQQ")
HELLO_S = struct.Struct(">8IQ16sQQ4QQII")
SYNC_S = struct.Struct(">IIQ16sQ")
UUID = bytes(range(16))
GEN = 0x1234567890ABCDEF


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc  # the kernel's crc32c() without the final inversion


def hdr(typ, flags=0, length=0, size=0, seq=0, sector=0, magic=MAGIC):
    return HDR.pack(magic, typ, flags, length, size, seq, sector)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def handshake(s, sectors):
    hello = HELLO_S.pack(2, 2, 0, 1, 0, 1, 128, 0, sectors, UUID, GEN, 0,
                         0, 0, 0, 0, 0, 512, 0)
    s.sendall(hdr(HELLO, length=len(hello)) + hello)
    h = HDR.unpack(recv_exact(s, HDR.size))
    assert h[1] == HELLO, h
    recv_exact(s, h[3])
    while True:
        h = HDR.unpack(recv_exact(s, HDR.size))
        assert h[1] == BITMAP, h
        recv_exact(s, h[3])
        if h[2] & 1:
            break
    st = SYNC_S.pack(1, 0, GEN, UUID, 0)  # IN_SYNC at GEN
    s.sendall(hdr(SYNC_STATE, length=len(st), seq=1) + st)
    h = HDR.unpack(recv_exact(s, HDR.size))
    assert h[1] == ACK and h[5] == 1 and h[2] == 0, h


def main():
    host, port, sectors, case = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3]), sys.argv[4]
    s = socket.create_connection((host, port), timeout=20)
    handshake(s, sectors)
    data = os.urandom(4096)
    crc = struct.pack(">I", crc32c(data))
    pkts = {
        "write": hdr(DATA, WF_CSUM, 4100, 4096, 2, 8) + data + crc,
        "beyond": hdr(DATA, 0, 4096, 4096, 2, sectors - 4) + data,
        "overflow": hdr(DATA, 0, 4096, 4096, 2, 2**64 - 4) + data,
        "badlen": hdr(DATA, 0, 4096, 8192, 2, 8) + data,
        "huge": hdr(DATA, 0, 16 << 20, 16 << 20, 2, 8) + data,
        "magic": hdr(DATA, 0, 4096, 4096, 2, 8, magic=0xDEADBEEF) + data,
        "type": hdr(200, 0, 0, 0, 2, 0),
        "csum": hdr(DATA, WF_CSUM, 4100, 4096, 2, 8) + data +
        struct.pack(">I", crc32c(data) ^ 1),
        "unaligned": hdr(DATA, 0, 100, 100, 2, 8) + data[:100],
        "bitmap": hdr(BITMAP, 1, 8, 0, 2, 0) + bytes(8),
        "misaligned": hdr(DATA, 0, 4096, 4096, 2, 9) + data,
    }
    s.sendall(pkts[case])
    try:
        h = recv_exact(s, HDR.size)
    except (EOFError, ConnectionResetError):
        print("dropped")
        return 0
    except socket.timeout:
        print("no answer")
        return 1
    h = HDR.unpack(h)
    if h[1] == ACK and h[5] == 2 and h[2] == 0:
        print("acked", hashlib.sha256(data).hexdigest())
        return 0
    print("unexpected", h)
    return 1


if __name__ == "__main__":
    sys.exit(main())
