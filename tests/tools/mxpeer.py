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
  dfua         a discard with FUA, dzflush a write-zeroes with PREFLUSH (the
               block layer takes neither: 6.12 warns and fails the bio)
  zwrite       a valid lz4-compressed 4 KiB write at sector 8 (protocol 5;
               the target must have offered lz4); expects ACK
  zgarbage     a compressed write whose payload is not lz4 data
  zsize        valid lz4 data of 4 KiB in a write whose size says 8 KiB
  zlong        a compressed payload as long as its size (never compressed)
  aflush       a FLUSH with the acked-only flag on protocol 2 (a sweep's
               flush of protocol 6)
  aflush6      the same on protocol 6; expects its ACK ("acked flush")
  zrun7        a resync write-zeroes of 8 MiB (MX_WIRE_MAX_ZEROES) at sector
               0 on protocol 7 (a run of zero chunks); expects its ACK
               ("acked zeroes")
  zrun6        a resync write-zeroes of 2 MiB on protocol 6 (1 MiB at most
               there)
  zrunlong     a resync write-zeroes of 8 MiB + 4 KiB on protocol 7
The z cases speak protocol 5 and print "no-offer" when the target's hello
does not offer lz4 (zwrite then sends anyway: a target that did not offer
must drop it).
prints "dropped" if the receiver closed the connection, "acked SHA256" (of
the data written) for an ACK, and exits 0; anything else exits 1.
"""
import hashlib
import os
import socket
import struct
import sys

MAGIC = 0x4D58524D
HELLO, BITMAP, SYNC_STATE, DATA, RS_DATA, FLUSH, ACK = 1, 4, 5, 6, 7, 8, 9
WF_FUA, WF_PREFLUSH = 1 << 0, 1 << 1
WF_DISCARD, WF_WRITE_ZEROES = 1 << 2, 1 << 3
WF_CSUM = 1 << 4
WF_COMPRESSED = 1 << 5
WF_ACKED_ONLY = 1 << 6
FEAT_COMPRESS_LZ4 = 1 << 2
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
    """@n bytes from @s, received into one buffer (a 1 MiB payload is not
    copied once per chunk); EOFError when the peer closes first."""
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = s.recv_into(view[got:], n - got)
        if not k:
            raise EOFError
        got += k
    return bytes(buf)


def lz4_block(pattern, size):
    """An LZ4 block of @size bytes: the 16-byte @pattern repeated.

    One sequence of 16 literals and a match at offset 16 up to 16 bytes
    before the end, then those 16 bytes as the last literals (the format's
    end rules: at least 5 literals last, no match in the last 12 bytes).
    """
    assert len(pattern) == 16 and size % 16 == 0 and size >= 64
    ml = size - 32 - 4  # match length beyond the minimum of 4
    out = bytes([0xF0 | 15, 16 - 15]) + pattern + struct.pack("<H", 16)
    ml -= 15
    out += b"\xff" * (ml // 255) + bytes([ml % 255])
    out += bytes([0xF0, 16 - 15]) + pattern
    return out


def handshake(s, sectors, proto=2):
    hello = HELLO_S.pack(2, proto, 0, 1, 0, 1, 128, 0, sectors, UUID, GEN,
                         0, 0, 0, 0, 0, 0, 512, 0)
    s.sendall(hdr(HELLO, length=len(hello)) + hello)
    h = HDR.unpack(recv_exact(s, HDR.size))
    assert h[1] == HELLO, h
    th = HELLO_S.unpack(recv_exact(s, h[3]))
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
    return th[2]  # the target's features


def main():
    host, port, sectors, case = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3]), sys.argv[4]
    s = socket.create_connection((host, port), timeout=20)
    zrun = case.startswith("zrun")
    comp = case.startswith("z") and not zrun
    proto = {"aflush6": 6, "zrun6": 6, "zrun7": 7, "zrunlong": 7}.get(
        case, 5 if comp else 2)
    features = handshake(s, sectors, proto)
    if comp and not features & FEAT_COMPRESS_LZ4:
        print("no-offer", end=" ")
    data = os.urandom(4096)
    crc = struct.pack(">I", crc32c(data))
    if comp:
        pattern = os.urandom(16)
        data = pattern * 256
        crc = struct.pack(">I", crc32c(data))
        z = lz4_block(pattern, 4096)
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
        "dfua": hdr(DATA, WF_DISCARD | WF_FUA, 0, 4096, 2, 8),
        "dzflush": hdr(DATA, WF_WRITE_ZEROES | WF_PREFLUSH, 0, 4096, 2, 8),
        "aflush": hdr(FLUSH, WF_ACKED_ONLY, 0, 0, 2, 0),
        # A flush covers no range: the target ignores its sector.
        "aflush6": hdr(FLUSH, WF_ACKED_ONLY, 0, 0, 2, 1 << 40),
        "zrun7": hdr(RS_DATA, WF_WRITE_ZEROES, 0, 8 << 20, 2, 0),
        "zrun6": hdr(RS_DATA, WF_WRITE_ZEROES, 0, 2 << 20, 2, 0),
        "zrunlong": hdr(RS_DATA, WF_WRITE_ZEROES, 0, (8 << 20) + 4096, 2,
                        0),
    }
    if comp:
        zf = WF_COMPRESSED | WF_CSUM
        pkts = {
            "zwrite": hdr(DATA, zf, len(z) + 4, 4096, 2, 8) + z + crc,
            "zgarbage": hdr(DATA, zf, 104, 4096, 2, 8) + os.urandom(100) +
            crc,
            "zsize": hdr(DATA, zf, len(z) + 4, 8192, 2, 8) + z + crc,
            "zlong": hdr(DATA, zf, 4100, 4096, 2, 8) + data + crc,
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
        print("acked", "flush" if case == "aflush6" else
              "zeroes" if zrun else hashlib.sha256(data).hexdigest())
        return 0
    print("unexpected", h)
    return 1


if __name__ == "__main__":
    sys.exit(main())
