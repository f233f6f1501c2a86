#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""mxtarget: a hostile dm-mirrorx target speaking the wire protocol
(wire.h), for tests that feed a source crafted answers.

  mxtarget.py HOST PORT CASE [SECONDS]

listens on HOST:PORT, takes one connection from a source (no auth), and
misbehaves as CASE says. It never closes the connection itself: it waits,
for at most SECONDS (default 120), for the source to close it, and prints
"closed after N s" (N: seconds from the misbehaviour to the close) or
"still open" when the source kept it. Exits 0 either way; 1 when the
source did not behave like a source (wrong first packet). The store
cases are not hostile: they play a target of an older protocol, and
print what they stored (below).

CASE:
  stall-hello    sends 20 of the 32 bytes of a header instead of a hello
  role           answers with a hello claiming to be a source
  bitmap-endless handshake, then BITMAP packets without MX_BM_LAST, each
                 repeating word 0, for as long as the source takes them
  bitmap-back    handshake, then a BITMAP packet whose word index goes back
  ack-unknown    full handshake, then acks a sequence number never sent
  stall-ack      full handshake, then on the first request answers 20 bytes
                 of an ACK header and stalls (keepalive pings unanswered)
  ack-early      full handshake, a tiny receive buffer; at the first
                 write's header acks its sequence number, then reads its
                 payload slowly (4 KiB per 20 ms: the source keeps
                 sending it for seconds after that ack; a PING_ACK a
                 second keeps the link up), then acks the next four
                 sequence numbers, guessed, and reads nothing for 3 s
  uuid, size, region, node-id, version
                 answers with a hello that differs from the source's in
                 that one thing: another mirror's UUID, 8 sectors fewer,
                 twice the region size, another node id, protocol 9 only
  refused        answers the hello with SYNC_STATE refused (node id), as
                 a real target whose checks failed
  ack-csum       full handshake, then serves the source (acks its writes,
                 flushes and sync states, answers pings) until its first
                 checksum or verify request, which it answers with a plain
                 ACK instead of the reply with the hashes (at most 120 s
                 for that request to come)
  trickle-reply  as ack-csum, but answers that request with its reply's
                 header, then the body a byte every 2 s
  ping-flood     full handshake, then 100000 PINGs as fast as the source
                 takes them, reading nothing
  bitmap-slow    handshake, then BITMAP packets of one word each, the
                 word index going up, one every 8 s (never the last)
  slow-reply     full handshake, then serves the source (acks its writes
                 and flushes, answers pings and checksum requests, with
                 hashes that never match); the first checksum reply's
                 body comes 5 s after its header (a retransmission late
                 on a lossy link). Prints "still open" when the source
                 kept the connection for SECONDS after that header,
                 "closed after N s" when it dropped it (the first
                 checksum request may take 120 s to come)
  store3, store6, store7
                 a fresh target (never held data) that speaks protocol 3,
                 6 or 7 at most, as a target of that version would: it
                 keeps the device in memory (first 0xa5 bytes), applies
                 every write, resync write and write-zeroes the source
                 sends (a discard as zeroes), answers pings, flushes and
                 sync states, and ends with "refused: ..." (closing the
                 connection) at a packet its version does not take: a
                 resync write-zeroes of more than 1 MiB before protocol
                 7, any resync write-zeroes before 4, an acked-only
                 FLUSH before 6, a flag it does not know, compressed
                 data (never offered), a write outside the device. Unlike
                 the other cases it serves until the source closes the
                 connection, then prints "stored: D data bytes, Z zero
                 bytes in N write-zeroes of at most M bytes, SHA256": D
                 the bytes of data written, Z and N the resync's
                 write-zeroes (the application's are applied, not
                 counted), SHA256 that of the device. SECONDS is the
                 longest it waits for a packet ("dropped mid-packet" or
                 "silent for SECONDS s" when the source stops short)
  refuse-rs      as store7, but answers every resync data write "not
                 supported" (a target whose device refuses writes; it
                 detaches on no other error), for SECONDS, then prints
                 "refused N resync writes, the last T s after the first"
                 (or "no resync data write came") and, unlike the other
                 cases, closes the connection itself
"""
import hashlib
import select
import socket
import struct
import sys
import time

# The wire format and framing are mxpeer.py's (same directory).
from mxpeer import ACK, BITMAP, DATA, HDR, HELLO, HELLO_S, SYNC_S, SYNC_STATE, \
    WF_ACKED_ONLY, WF_COMPRESSED, WF_CSUM, WF_DISCARD, WF_FUA, WF_PREFLUSH, \
    WF_WRITE_ZEROES, hdr, recv_exact

RS_DATA, FLUSH = 7, 8
PING, PING_ACK = 10, 11
VERIFY_REQ = 13
CSUM_REQ, CSUM_REPLY = 15, 16
CSUM_BLOCK, CSUM_HASH_LEN = 4096, 8
BM_LAST = 1
ROLE_SOURCE, ROLE_TARGET = 1, 2
MISMATCH = ("uuid", "size", "region", "node-id", "version")
HELLO_FRESH = 1
STORE = {"store3": 3, "store6": 6, "store7": 7}
MAX_DATA = 1 << 20          # MX_WIRE_MAX_DATA
MAX_ZEROES = 8 * MAX_DATA   # MX_WIRE_MAX_ZEROES (protocol 7)
PROTO_ZERO, PROTO_ACKED_FLUSH, PROTO_ZERO_RUN = 4, 6, 7
ACK_EOPNOTSUPP = 3          # MX_ACK_EOPNOTSUPP
# MX_WF_ALL: the flags a DATA or RS_DATA may carry
WF_ALL = WF_FUA | WF_PREFLUSH | WF_DISCARD | WF_WRITE_ZEROES | WF_CSUM | \
    WF_COMPRESSED


def recv_pkt(s):
    h = HDR.unpack(recv_exact(s, HDR.size))
    return h, recv_exact(s, h[3]) if h[3] else b""


def reply_hello(s, src, role=ROLE_TARGET, differ=None, fresh_max=0):
    """A hello that matches the source's: same mirror, in sync with it,
    but for the one field @differ names (a MISMATCH case); or, with
    @fresh_max, that of a fresh target (no mirror, no generation) speaking
    protocol @fresh_max at most."""
    (pmin, pmax, _feat, _role, node, peer, region, _flags, sectors, uuid,
     gen, _bgen, h0, h1, h2, h3, _dirty, lbs, _res) = HELLO_S.unpack(src)
    flags = 0
    if fresh_max:
        pmin, pmax, flags = 2, fresh_max, HELLO_FRESH
        uuid, gen, h0, h1, h2, h3 = bytes(16), 0, 0, 0, 0, 0
    if differ == "uuid":
        uuid = bytes((b ^ 0x5a) or 1 for b in uuid)
    elif differ == "size":
        sectors -= 8
    elif differ == "region":
        region *= 2
    elif differ == "node-id":
        peer = (max(peer, node) + 1) % 8
    elif differ == "version":
        pmin = pmax = 9
    hello = HELLO_S.pack(pmin, pmax, 0, role, peer, node, region, flags,
                         sectors, uuid, gen, 0, h0, h1, h2, h3, 0, lbs, 0)
    s.sendall(hdr(HELLO, length=len(hello)) + hello)
    return sectors, region


def wait_close(s, t0, limit):
    """Drain (never answer) until the source closes or @limit passes."""
    s.settimeout(1)
    while time.time() - t0 < limit:
        try:
            if not s.recv(65536):
                return "closed after %d s" % (time.time() - t0)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return "closed after %d s" % (time.time() - t0)
    return "still open"


def csum_reply_len(size):
    """Bytes of the reply to a checksum request of @size bytes."""
    return (size + CSUM_BLOCK - 1) // CSUM_BLOCK * CSUM_HASH_LEN


def answer_routine(s, h):
    """Answer @h as a target would when it is a ping, a write, a flush or
    a sync state; returns whether it was one of them."""
    if h[1] == PING:
        s.sendall(hdr(PING_ACK))
    elif h[1] in (DATA, RS_DATA, FLUSH, SYNC_STATE):
        s.sendall(hdr(ACK, seq=h[5]))
    else:
        return False
    return True


def serve_slow_reply(s, limit):
    """Serve the source; the first checksum reply's body comes 5 s after
    its header. Returns what main() prints. The first checksum request
    may take up to 120 s to come (the source resyncs first, then the
    test asks for the checksum resync); @limit counts from it."""
    start, t0 = time.time(), None
    answered = 0
    try:
        while time.time() - (t0 or start) < (limit if t0 else 120):
            h, _ = recv_pkt(s)
            if answer_routine(s, h):
                continue
            if h[1] == CSUM_REQ:
                n = csum_reply_len(h[4])
                s.sendall(hdr(CSUM_REPLY, length=n, seq=h[5]))
                if t0 is None:
                    t0 = time.time()
                    time.sleep(5)
                s.sendall(b"\xa5" * n)
                answered += 1
        if t0 is None:
            return "no checksum request came"
    except (EOFError, ConnectionResetError, BrokenPipeError):
        if t0 is None:
            return "closed before the first checksum request"
        return "closed after %d s" % (time.time() - t0)
    except socket.timeout:
        return "the source sent nothing for 30 s"
    finally:
        sys.stderr.write("checksum requests answered: %d\n" % answered)
    return "still open"


def serve_ack_csum(s, limit, trickle=False):
    """Serve the source until its first checksum or verify request, and
    answer that with a plain ACK, or (@trickle) with a checksum reply
    whose body comes a byte every 2 s. Returns what main() prints."""
    start = time.time()
    try:
        while time.time() - start < 120:
            h, _ = recv_pkt(s)
            if answer_routine(s, h):
                continue
            if h[1] == CSUM_REQ and trickle:
                n = csum_reply_len(h[4])
                t0 = time.time()
                s.sendall(hdr(CSUM_REPLY, length=n, seq=h[5]))
                sys.stderr.write("checksum reply seq %d: %d bytes, a byte "
                                 "every 2 s\n" % (h[5], n))
                s.settimeout(0)
                for _ in range(n):
                    if time.time() - t0 >= limit:
                        return "still open"
                    try:
                        s.sendall(b"\xa5")
                        if not s.recv(65536):
                            break
                    except BlockingIOError:
                        pass
                    except (ConnectionResetError, BrokenPipeError):
                        break
                    time.sleep(2)
                return wait_close(s, t0, limit)
            elif h[1] in (CSUM_REQ, VERIFY_REQ) and not trickle:
                t0 = time.time()
                s.sendall(hdr(ACK, seq=h[5]))
                sys.stderr.write("type %d request seq %d answered with a "
                                 "plain ACK\n" % (h[1], h[5]))
                return wait_close(s, t0, limit)
    except (EOFError, ConnectionResetError, BrokenPipeError):
        return "closed before the first checksum request"
    except socket.timeout:
        return "the source sent nothing for 30 s"
    return "no checksum request came"


def store_run(s, sectors, pmax, timeout, refusals=None, until=None):
    """store_packets() on a fresh in-memory device (first 0xa5 bytes), each
    receive waiting @timeout s at most: (why it ended short or None, its
    figures, the device)."""
    dev = bytearray(b"\xa5" * (sectors * 512))
    s.settimeout(timeout)
    try:
        refused, stats = store_packets(s, dev, pmax, refusals, until)
    except EOFError:
        return "dropped mid-packet", None, dev
    except socket.timeout:
        return "silent for %d s" % timeout, None, dev
    except OSError as e:
        return "dropped: %s" % e, None, dev
    return refused, stats, dev


def serve_store(s, sectors, pmax, limit):
    """Apply what the source sends to an in-memory device, as a target of
    protocol @pmax would (see STORE); returns what main() prints."""
    refused, stats, dev = store_run(s, sectors, pmax, limit)
    if refused:
        return refused
    return "stored: %d data bytes, %d zero bytes in %d write-zeroes of at " \
        "most %d bytes, %s" % (stats + (hashlib.sha256(dev).hexdigest(),))


def store_packets(s, dev, pmax, refusals=None, until=None):
    """serve_store()'s loop: (refusal or None, (data bytes, resync zero
    bytes, resync write-zeroes, the largest one)) at the source's close.
    With @refusals (a list), every resync data write is answered "not
    supported" instead, its time appended; with @until (a time), the loop
    also ends then, between packets."""
    zero_max = MAX_ZEROES if pmax >= PROTO_ZERO_RUN else MAX_DATA
    data = zeroes = nzero = largest = 0
    while True:
        if until is not None:
            left = until - time.time()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                return None, (data, zeroes, nzero, largest)
        try:
            raw = recv_exact(s, HDR.size)
        except (EOFError, ConnectionResetError):
            return None, (data, zeroes, nzero, largest)
        typ, flags, length, size, seq, sector = HDR.unpack(raw)[1:]
        payload = recv_exact(s, length) if length else b""
        if typ == PING:
            s.sendall(hdr(PING_ACK))
            continue
        if typ == FLUSH and flags & WF_ACKED_ONLY and \
                pmax < PROTO_ACKED_FLUSH:
            return "refused: an acked-only FLUSH on protocol %d" % pmax, None
        if typ in (FLUSH, SYNC_STATE):
            s.sendall(hdr(ACK, seq=seq))
            continue
        if typ not in (DATA, RS_DATA):
            return "refused: packet type %d" % typ, None
        if flags & ~WF_ALL:
            return "refused: flags %#x" % flags, None
        off = sector * 512
        if off + size > len(dev) or size == 0:
            return "refused: %d bytes at sector %d, outside the device" % (
                size, sector), None
        if flags & WF_COMPRESSED:
            return "refused: compressed data (not offered)", None
        if flags & (WF_DISCARD | WF_WRITE_ZEROES):
            if length:
                return "refused: a write-zeroes with a payload", None
            if typ == RS_DATA and pmax < PROTO_ZERO:
                return "refused: a resync write-zeroes on protocol %d" % (
                    pmax), None
            if typ == RS_DATA and size > zero_max:
                return "refused: a resync write-zeroes of %d bytes on " \
                    "protocol %d" % (size, pmax), None
            dev[off:off + size] = bytes(size)
            if typ == RS_DATA:
                zeroes += size
                nzero += 1
                largest = max(largest, size)
        else:
            if flags & WF_CSUM:
                payload = payload[:-4]
            if len(payload) != size:
                return "refused: %d payload bytes for a write of %d" % (
                    len(payload), size), None
            if typ == RS_DATA and refusals is not None:
                refusals.append(time.time())
                s.sendall(hdr(ACK, flags=ACK_EOPNOTSUPP, seq=seq))
                continue
            dev[off:off + size] = payload
            data += size
        s.sendall(hdr(ACK, seq=seq))


def serve_refuse_rs(s, sectors, limit):
    """As store7, but every resync data write is answered "not supported"
    (EOPNOTSUPP), for @limit s; returns what main() prints."""
    refusals = []
    refused, _, _ = store_run(s, sectors, PROTO_ZERO_RUN, 30, refusals,
                              time.time() + limit)
    if refused:
        return refused
    if not refusals:
        return "no resync data write came"
    return "refused %d resync writes, the last %.1f s after the first" % (
        len(refusals), refusals[-1] - refusals[0])


def main():
    host, port, case = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else 120
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if case == "ack-early":
        # A small window (set before listen: it bounds the window scale)
        # keeps the source's sender inside its send of the write.
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ls.bind((host, port))
    ls.listen(1)
    s, _ = ls.accept()
    s.settimeout(30)
    h, src = recv_pkt(s)
    if h[1] != HELLO:
        print("first packet was type %d, not a hello" % h[1])
        return 1
    t0 = time.time()
    if case == "stall-hello":
        s.sendall(hdr(HELLO, length=HELLO_S.size)[:20])
        print(wait_close(s, t0, limit))
        return 0
    if case == "role":
        reply_hello(s, src, ROLE_SOURCE)
        print(wait_close(s, t0, limit))
        return 0
    if case in MISMATCH:
        reply_hello(s, src, differ=case)
        print(wait_close(s, t0, limit))
        return 0
    if case == "refused":
        # state 4 = refused, reason 7 = node id (wire.h enum mx_refuse)
        ss = SYNC_S.pack(4, 7, 0, bytes(16), 0)
        s.sendall(hdr(SYNC_STATE, length=len(ss)) + ss)
        print(wait_close(s, t0, limit))
        return 0
    if case == "refuse-rs":
        sectors, _ = reply_hello(s, src, fresh_max=PROTO_ZERO_RUN)
        s.sendall(hdr(BITMAP, flags=BM_LAST, sector=0))
        print(serve_refuse_rs(s, sectors, limit))
        return 0
    if case in STORE:
        sectors, _ = reply_hello(s, src, fresh_max=STORE[case])
        s.sendall(hdr(BITMAP, flags=BM_LAST, sector=0))
        print(serve_store(s, sectors, STORE[case], limit))
        return 0
    reply_hello(s, src)
    if case == "bitmap-endless":
        sent = 0
        try:
            while time.time() - t0 < limit:
                s.sendall(hdr(BITMAP, length=8, sector=0) + bytes(8))
                sent += 1
        except (ConnectionResetError, BrokenPipeError):
            pass
        print("closed after %d s" % (time.time() - t0)
              if time.time() - t0 < limit else "still open")
        sys.stderr.write("bitmap packets sent: %d\n" % sent)
        return 0
    if case == "bitmap-slow":
        word = 0
        try:
            while time.time() - t0 < limit:
                s.sendall(hdr(BITMAP, length=8, sector=word) + bytes(8))
                word += 1
                s.settimeout(8)
                try:
                    if not s.recv(65536):
                        break
                except socket.timeout:
                    pass
        except (ConnectionResetError, BrokenPipeError):
            pass
        sys.stderr.write("bitmap packets sent: %d\n" % word)
        print("closed after %d s" % (time.time() - t0)
              if time.time() - t0 < limit else "still open")
        return 0
    if case == "bitmap-back":
        s.sendall(hdr(BITMAP, length=8, sector=1) + struct.pack(">Q", 1))
        s.sendall(hdr(BITMAP, length=8, sector=0) + struct.pack(">Q", 1))
        print(wait_close(s, t0, limit))
        return 0
    s.sendall(hdr(BITMAP, flags=BM_LAST, sector=0))
    h, _ = recv_pkt(s)
    if h[1] != SYNC_STATE:
        print("expected a sync state, got type %d" % h[1])
        return 1
    s.sendall(hdr(ACK, seq=h[5]))
    if case == "ack-unknown":
        t0 = time.time()
        s.sendall(hdr(ACK, seq=987654321))
        print(wait_close(s, t0, limit))
        return 0
    if case == "ack-early":
        while True:
            h = HDR.unpack(recv_exact(s, HDR.size))
            if h[1] in (DATA, RS_DATA, FLUSH):
                break
            if h[3]:
                recv_exact(s, h[3])
        t1 = time.time()
        s.sendall(hdr(ACK, seq=h[5]))
        # Were the request freed at this ack, the source would go on
        # sending from its freed bio_vec table (KASAN under check-debug).
        left, beat = h[3], t1
        while left:
            left -= len(recv_exact(s, min(left, 4096)))
            time.sleep(0.02)
            if time.time() - beat >= 1:
                # The source's pings wait behind the write: keep it alive.
                s.sendall(hdr(PING_ACK))
                beat = time.time()
        t0 = time.time()
        s.sendall(b"".join(hdr(ACK, seq=h[5] + i) for i in range(1, 5)))
        sys.stderr.write("acked seq %d at the header of a %d-byte write, "
                         "%d..%d after its payload (%.1f s)\n"
                         % (h[5], h[3], h[5] + 1, h[5] + 4, t0 - t1))
        time.sleep(3)
        print(wait_close(s, t0, limit))
        return 0
    if case == "slow-reply":
        print(serve_slow_reply(s, limit))
        return 0
    if case in ("ack-csum", "trickle-reply"):
        print(serve_ack_csum(s, limit, case == "trickle-reply"))
        return 0
    if case == "ping-flood":
        t0 = time.time()
        burst = hdr(PING) * 1000
        sent = 0
        try:
            while sent < 100000 and time.time() - t0 < limit:
                s.sendall(burst)
                sent += 1000
        except (ConnectionResetError, BrokenPipeError, socket.timeout):
            pass
        sys.stderr.write("pings sent: %d in %.1f s\n"
                         % (sent, time.time() - t0))
        print(wait_close(s, t0, limit))
        return 0
    if case == "stall-ack":
        while True:
            h, _ = recv_pkt(s)
            if h[1] in (DATA, RS_DATA, FLUSH, SYNC_STATE, VERIFY_REQ,
                        CSUM_REQ):
                break
        t0 = time.time()
        s.sendall(hdr(ACK, seq=h[5])[:20])
        print(wait_close(s, t0, limit))
        return 0
    print("unknown case " + case)
    return 1


if __name__ == "__main__":
    sys.exit(main())
