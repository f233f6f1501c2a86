#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Power-loss checker for test 070: replay a dm-log-writes log of a
source's data and metadata writes, with the block trace of the same run,
and check the intent-log rules at every point a power loss could hit.

Inputs (see tests/070-power-loss-log.sh for how they are made):

  --log IMG     the dm-log-writes log device (image file). Its format, as
                drivers/md/dm-log-writes.c (6.1) writes it, little-endian:
                  sector 0: struct log_write_super { u64 magic
                    (0x6a736677736872), u64 version (1), u64 nr_entries,
                    u32 sectorsize }
                  then nr_entries entries from byte sectorsize on, each
                    one block of sectorsize: struct log_write_entry {
                    u64 sector, u64 nr_sectors (both in sectorsize units
                    of the logged device), u64 flags, u64 data_len },
                    a MARK's text (data_len bytes) after it in the same
                    block; then, unless DISCARD or MARK, nr_sectors blocks
                    of the data written.
                  flags: FLUSH 1, FUA 2, DISCARD 4, MARK 8, METADATA 16.
                A write without FUA is logged when a later FLUSH
                completes (the batch of writes completed before the flush
                was issued, then the FLUSH entry); a FUA write when it
                completes; what is unflushed at removal is logged last,
                then the mark "dm-log-writes-end". So the log is an order
                in which the writes can have reached stable media.
  --trace FILE  /sys/kernel/tracing/trace with block_bio_queue and
                block_bio_complete of the data and meta devices: when
                each write was submitted and completed, and which device
                each flush was sent to.

The logged device is data (sectors [0, data_sectors)) followed by meta.

Rules (a violation names the rule, the log entry or trace line, the
region and the peer):

  bit-before-data   when a data write to region r is submitted, every
                    version of r's bitmap block that can be on disk then
                    (the last durable one and any written after it) has
                    r's bit set for the peer. Durable: a FUA write that
                    completed, or a write that completed before a flush of
                    the same device was submitted, once that flush
                    completed.
  clear-after-flush a metadata write that turns r's bit 1 -> 0 is
                    submitted only once every data write to r submitted
                    before it is durable on the data device.
  replay-bits       replaying the log, a data write to region r reaches
                    the disk only while the replayed bitmap has r's bit
                    set for the peer.
  replay-decodes    at every FLUSH and FUA entry of the log, the replayed
                    metadata is blank (before the first superblock write)
                    or a superblock that decodes (magic, crc32c, version,
                    geometry) with no bit set past the last region.

MX_PLOG_XFAIL=rule[,rule] reports that rule's violations as expected
failures (the run passes) until the fix is merged; a rule listed there
that sees no violation fails the run, so the entry is not forgotten.
"""

import argparse
import bisect
import collections
import mmap
import os
import re
import struct
import sys

LW_MAGIC = 0x6A736677736872
LW_FLUSH, LW_FUA, LW_DISCARD, LW_MARK = 1, 2, 4, 8
SUPER = struct.Struct("<QQQI")
ENTRY = struct.Struct("<QQQQ")

MX_MAGIC = 0x31584D524F52494D
MX_BLOCK = 4096
MX_BLOCK_SECTORS = MX_BLOCK // 512
MX_MAX_NODES = 8
MX_SB_FLAGS_ALL = 7  # Fresh, Inconsistent, Outdated (meta_format.h)
MX_MAX_NR_REGIONS = (1 << 31) - 64  # meta.h
SB_HEAD = struct.Struct("<IIQIIQQII")
RULES = ("bit-before-data", "clear-after-flush", "replay-bits",
         "replay-decodes")
INF = float("inf")


def crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        t.append(c)
    return t


CRC_T = crc32c_table()


def crc32c(data, crc=0xFFFFFFFF):
    for b in data:
        crc = CRC_T[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc  # the kernel's crc32c(~0, ...): no final inversion


class Violations:
    def __init__(self, xfail):
        self.xfail = xfail
        self.count = collections.Counter()
        self.shown = collections.Counter()

    def add(self, rule, msg):
        self.count[rule] += 1
        if self.shown[rule] < 20:
            self.shown[rule] += 1
            tag = "XFAIL" if rule in self.xfail else "VIOLATION"
            print(f"{tag} {rule}: {msg}")


def decode_sb(block, data_sectors):
    """Return (sb dict, None) or (None, reason); (None, None) for blank."""
    if not any(block):
        return None, None
    (csum, flags, magic, version, region, dsect, nr, bblocks,
     node) = SB_HEAD.unpack_from(block, 0)
    if magic != MX_MAGIC:
        return None, "bad superblock magic"
    if crc32c(block[4:], crc32c(b"\0\0\0\0")) != csum:
        return None, "bad superblock checksum"
    if version != 1:
        return None, f"version {version}"
    if flags & ~MX_SB_FLAGS_ALL:
        return None, f"unknown flags {flags:#x}"
    if region < 8 or region & (region - 1) or region > 1 << 21:
        return None, f"bad region size {region}"
    if dsect != data_sectors:
        return None, f"data size {dsect}, device has {data_sectors}"
    if nr != -(-dsect // region):
        return None, f"region count {nr} inconsistent"
    # More blocks than the regions need is room to grow (bitmaps spaced
    # for the metadata device, mx_sb_plan_room()); never fewer.
    if not -(-nr // (MX_BLOCK * 8)) <= bblocks <= -(-MX_MAX_NR_REGIONS //
                                                    (MX_BLOCK * 8)):
        return None, f"bitmap blocks {bblocks} inconsistent"
    if node >= MX_MAX_NODES and node != 0xFFFFFFFF:
        return None, f"bad node id {node}"
    return {"region": region, "nr": nr, "bblocks": bblocks,
            "node": node}, None


def bit(buf, r, base=0):
    """Bit r of the bitmap at byte base of buf (__le64 words: byte r / 8,
    bit r % 8)."""
    return buf[base + (r >> 3)] >> (r & 7) & 1


def read_log(path):
    """The log's entries: (index, sector, nr_sectors, flags, data)."""
    with open(path, "rb") as f:
        img = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    magic, version, nr, ssize = SUPER.unpack_from(img, 0)
    if magic != LW_MAGIC or version != 1:
        sys.exit(f"{path}: not a dm-log-writes log (magic {magic:#x})")
    entries = []
    pos = ssize
    for i in range(nr):
        sector, nsect, flags, dlen = ENTRY.unpack_from(img, pos)
        pos += ssize
        data = b""
        if flags & LW_MARK:
            data = img[pos - ssize + ENTRY.size:pos - ssize + ENTRY.size + dlen]
        elif not flags & LW_DISCARD and nsect:
            data = img[pos:pos + nsect * ssize]
            pos += nsect * ssize
        entries.append((i, sector * ssize // 512, nsect * ssize // 512,
                        flags, data))
    return entries, ssize


TRACE_RE = re.compile(
    r"block_bio_(queue|complete): (\d+),(\d+) ([A-Z]+) (\d+) \+ (\d+)")


def parse_rwbs(rwbs):
    """(op, preflush, fua) from a trace's rwbs field (blk_fill_rwbs)."""
    i, pre = 0, False
    if rwbs[0] == "F" and len(rwbs) > 1 and rwbs[1] in "WRDN":
        pre, i = True, 1
    op = rwbs[i]
    return op, pre, "F" in rwbs[i + 1:]


class Io:
    __slots__ = ("dev", "op", "pre", "fua", "sector", "n", "q", "c",
                 "durable", "content", "entry")

    def __init__(self, dev, op, pre, fua, sector, n, q):
        self.dev, self.op, self.pre, self.fua = dev, op, pre, fua
        self.sector, self.n, self.q = sector, n, q
        self.c = INF
        self.durable = INF
        self.content = None
        self.entry = None


def read_trace(path, devs):
    """Writes and flushes of each device, with submit and complete lines."""
    ios = {d: [] for d in devs}
    open_ios = collections.defaultdict(collections.deque)
    lines = 0
    with open(path, errors="replace") as f:
        for ln, line in enumerate(f, 1):
            m = re.search(r"entries-in-buffer/entries-written: (\d+)/(\d+)",
                          line)
            if m and m.group(1) != m.group(2):
                sys.exit(f"{path}: the trace lost events ({line.strip()}):"
                         " a larger buffer_size_kb is needed")
            m = TRACE_RE.search(line)
            if not m:
                continue
            ev, maj, mnr, rwbs, sector, n = m.groups()
            dev = int(maj) << 20 | int(mnr)
            if dev not in ios:
                continue
            op, pre, fua = parse_rwbs(rwbs)
            if op == "R":
                continue
            lines += 1
            sector, n = int(sector), int(n)
            key = (dev, sector, n) if n else (dev, "flush")
            if ev == "queue":
                io = Io(dev, op, pre, fua, sector, n, ln)
                ios[dev].append(io)
                open_ios[key].append(io)
            elif open_ios[key]:
                # FIFO: with two flushes in flight, the earlier one
                # completing first is what makes the fewest writes durable.
                open_ios[key].popleft().c = ln
    return ios, lines


def set_durable(ios):
    """Durable line of each write of one device (INF: never)."""
    flushes = [io for io in ios if io.pre or (not io.n and io.op == "W")]
    fq = [f.q for f in flushes]
    # Earliest completion of a flush submitted at or after each flush.
    best = [INF] * (len(flushes) + 1)
    for i in range(len(flushes) - 1, -1, -1):
        best[i] = min(flushes[i].c, best[i + 1])
    for io in ios:
        if not io.n:
            continue
        d = io.c if io.fua else INF
        if io.c != INF:
            d = min(d, best[bisect.bisect_right(fq, io.c)])
        io.durable = d


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", required=True)
    ap.add_argument("--trace", required=True)
    ap.add_argument("--data-dev", type=int, required=True)
    ap.add_argument("--meta-dev", type=int, required=True)
    ap.add_argument("--data-sectors", type=int, required=True)
    ap.add_argument("--meta-sectors", type=int, required=True)
    ap.add_argument("--peer", type=int, default=1)
    a = ap.parse_args()
    xfail = {x for x in os.environ.get("MX_PLOG_XFAIL", "").split(",") if x}
    bad = xfail - set(RULES)
    if bad:
        sys.exit(f"MX_PLOG_XFAIL: unknown rule(s) {sorted(bad)}; rules: {RULES}")
    v = Violations(xfail)
    D, M = a.data_sectors, a.meta_sectors
    cnt = collections.Counter()

    # ---- log order: replay; rules replay-bits and replay-decodes
    entries, ssize = read_log(a.log)
    meta = bytearray(M * 512)
    sb = None
    seen_sb = False
    sb_now = None  # decode of the replayed superblock, None: stale
    meta_log = collections.defaultdict(list)  # (block, fua) -> entries
    for i, sector, n, flags, data in entries:
        if flags & LW_MARK:
            cnt["log marks"] += 1
            continue
        if flags & LW_FLUSH:
            cnt["log flushes"] += 1
        if n and sector >= D:
            off = (sector - D) * 512
            if sector + n > D + M:
                v.add("replay-decodes", f"log entry {i} writes past meta")
                continue
            if flags & LW_DISCARD:
                data = bytes(n * 512)
            meta[off:off + n * 512] = data
            cnt["log metadata writes"] += 1
            if off == 0:
                seen_sb = True
                sb_now = None
            for b in range(n // MX_BLOCK_SECTORS):
                blk = (sector - D) // MX_BLOCK_SECTORS + b
                meta_log[(blk, bool(flags & LW_FUA))].append(
                    (i, bytes(data[b * MX_BLOCK:(b + 1) * MX_BLOCK])))
        elif n:
            cnt["log data writes"] += 1
            if sb is None:
                sb, why = decode_sb(bytes(meta[:MX_BLOCK]), D)
                if sb is None:
                    v.add("replay-bits",
                          f"log entry {i}: data write at sector {sector} "
                          f"with no valid superblock on disk ({why})")
                    continue
            base = (1 + a.peer * sb["bblocks"]) * MX_BLOCK
            for r in range(sector // sb["region"],
                           (sector + n - 1) // sb["region"] + 1):
                cnt["log data regions"] += 1
                if not bit(meta, r, base):
                    v.add("replay-bits",
                          f"log entry {i}: data write to region {r} "
                          f"(sectors {sector}+{n}) reaches the disk while "
                          f"its bit for peer {a.peer} is clear on disk")
        if flags & (LW_FLUSH | LW_FUA):
            cnt["replay points"] += 1
            if sb_now is None:
                sb_now = decode_sb(bytes(meta[:MX_BLOCK]), D)
            s, why = sb_now
            if s is None and (why or seen_sb):
                v.add("replay-decodes", f"log entry {i}: superblock: "
                      f"{why or 'blank after it was written'}")
            elif s:
                if s["bblocks"] * MX_MAX_NODES + 1 > M // MX_BLOCK_SECTORS:
                    v.add("replay-decodes",
                          f"log entry {i}: bitmaps larger than meta")
                for node in range(MX_MAX_NODES):
                    base = (1 + node * s["bblocks"]) * MX_BLOCK
                    tail = meta[base:base + s["bblocks"] * MX_BLOCK]
                    nr = s["nr"]
                    if nr % 8 and tail[nr // 8] >> (nr % 8):
                        v.add("replay-decodes", f"log entry {i}: node "
                              f"{node}: bits set past region {nr}")
                    elif any(tail[-(-nr // 8):]):
                        v.add("replay-decodes", f"log entry {i}: node "
                              f"{node}: bits set past region {nr}")
                sb = s
    final, why = decode_sb(bytes(meta[:MX_BLOCK]), D)
    if final is None:
        sys.exit(f"final replayed superblock does not decode: {why}")

    # ---- submission order: the trace, contents from the log
    ios, tlines = read_trace(a.trace, (a.data_dev, a.meta_dev))
    cnt["trace events"] = tlines
    for d in ios:
        set_durable(ios[d])
    # Each traced metadata write gets its content from the log: the k-th
    # write of a block (FUA or not) is the k-th log entry for it.
    taken = collections.Counter()
    per_block = collections.defaultdict(list)
    for io in ios[a.meta_dev]:
        if not io.n:
            cnt["trace metadata flushes"] += 1
            continue
        if io.n != MX_BLOCK_SECTORS or io.sector % MX_BLOCK_SECTORS:
            sys.exit(f"trace line {io.q}: metadata write {io.sector}+{io.n}"
                     " is not one 4 KiB block")
        blk = io.sector // MX_BLOCK_SECTORS
        k = (blk, io.fua)
        if taken[k] >= len(meta_log[k]):
            sys.exit(f"trace line {io.q}: metadata write of block {blk} "
                     "has no log entry: trace and log disagree")
        io.entry, io.content = meta_log[k][taken[k]]
        taken[k] += 1
        per_block[blk].append(io)
        cnt["trace metadata writes"] += 1
    for k, lst in meta_log.items():
        if taken[k] != len(lst):
            sys.exit(f"metadata block {k[0]}: {len(lst)} log entries, "
                     f"{taken[k]} traced writes: trace and log disagree")

    region, bblocks = final["region"], final["bblocks"]
    first = 1 + a.peer * bblocks
    bits_per_block = MX_BLOCK * 8

    vq = {blk: [m.q for m in lst] for blk, lst in per_block.items()}
    # Data writes per region, by submission, for clear-after-flush.
    by_region = collections.defaultdict(list)
    for io in ios[a.data_dev]:
        if not io.n:
            cnt["trace data flushes"] += 1
            continue
        cnt["trace data writes"] += 1
        for r in range(io.sector // region,
                       (io.sector + io.n - 1) // region + 1):
            by_region[r].append(io)
            blk = first + r // bits_per_block
            rb = r % bits_per_block
            vers = per_block.get(blk, [])
            top = bisect.bisect_left(vq.get(blk, []), io.q)
            last = top - 1
            while last >= 0 and vers[last].durable >= io.q:
                last -= 1
            cnt["trace data regions"] += 1
            if last < 0:
                v.add("bit-before-data",
                      f"trace line {io.q}: data write to region {r} "
                      f"submitted before any bitmap write of it is durable")
                continue
            for m in vers[last:top]:
                if not bit(m.content, rb):
                    how = ("the last durable bitmap write"
                           if m is vers[last] else
                           "a bitmap write that may be on disk")
                    v.add("bit-before-data",
                          f"trace line {io.q}: data write to region {r} "
                          f"(sectors {io.sector}+{io.n}) submitted while "
                          f"{how} (log entry {m.entry}, trace line {m.q}) "
                          f"has its bit for peer {a.peer} clear")
                    break
    prefix = {}
    for r, lst in by_region.items():
        mx, out = -1, []
        for io in lst:
            mx = max(mx, io.durable)
            out.append(mx)
        prefix[r] = ([io.q for io in lst], out, lst)

    for blk, lst in per_block.items():
        if not first <= blk < first + bblocks:
            continue
        prev = 0
        base = (blk - first) * bits_per_block
        for m in lst:
            cur = int.from_bytes(m.content, "little")
            gone = prev & ~cur
            prev = cur
            while gone:
                low = gone & -gone
                gone ^= low
                r = base + low.bit_length() - 1
                cnt["trace clears"] += 1
                if r not in prefix:
                    continue
                qs, mxd, writes = prefix[r]
                j = bisect.bisect_left(qs, m.q)
                if j and mxd[j - 1] >= m.q:
                    w = next(w for w in writes[:j] if w.durable >= m.q)
                    state = ("not complete" if w.c >= m.q else
                             f"completed at line {w.c}, no flush of the "
                             "data device since")
                    v.add("clear-after-flush",
                          f"trace line {m.q} (log entry {m.entry}): "
                          f"bitmap write clears region {r} for peer "
                          f"{a.peer}, but its data write at line {w.q} "
                          f"is not durable ({state})")

    print("checked: " + ", ".join(f"{k} {cnt[k]}" for k in sorted(cnt)))
    status = 0
    for need in ("log data writes", "log metadata writes", "log flushes",
                 "replay points", "trace data writes",
                 "trace metadata writes", "trace data flushes",
                 "trace clears"):
        if not cnt[need]:
            print(f"FAIL: saw no {need}: a check that saw nothing cannot fail")
            status = 1
    for rule in RULES:
        n = v.count[rule]
        if rule in xfail and n:
            print(f"{rule}: {n} violations (expected to fail: MX_PLOG_XFAIL)")
        elif rule in xfail:
            # Strict: a rule that passes again must be checked again.
            print(f"FAIL: {rule} passes now: drop it from MX_PLOG_XFAIL")
            status = 1
        elif n:
            print(f"{rule}: {n} violations")
            status = 1
        else:
            print(f"{rule}: ok")
    return status


if __name__ == "__main__":
    sys.exit(main())
