#!/usr/bin/env bash
# 067-control-faults: a sync state the source fails to allocate or to send (the RESYNC_DONE that ends a resync, injected) or a write it fails to send drops the connection: after the reconnect both sides are InSync/Consistent with the same data, never the source InSync while the target stays Inconsistent
# timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mirror.sh"
requires_fault_module

mx_data_state() { mx_field "$1" 5; }

# Converged: A Connected/InSync and B Consistent, both at once.
_mx_converged() {
	_mx_is_insync A && [ "$(mx_data_state B)" = Consistent ]
}

# dirty_resync POINT OFFSET SEED: cut the link, write 1 MiB on A, arm
# POINT on A for one pass, restore the link: the partial resync's control
# packet (or write) meets the fault.
dirty_resync() {
	link_cut A B
	mx_wait_conn A Connecting 30
	write_pattern A /dev/mapper/mx "$3" 1M "$2"
	[ "$(mx_oos A)" -gt 0 ] || fail "no region out of sync with the link cut"
	mx_fault_arm A "$1" 1
	link_restore A B
}

# converge POINT WHAT: the fault at POINT fired once, the pair converges
# (A InSync with B Inconsistent is the silent divergence), and A dropped
# the connection for it (logged WHAT).
converge() {
	local deadline
	wait_for -m "the fault at $1 never fired" 120 eval '[ "$(mx_fault_hits A '"$1"')" = 1 ]'
	# The reconnect and its handshake take seconds (a minute at worst on
	# a loaded host); a lost state change stays diverged forever.
	deadline=$((EPOCHSECONDS + 90 * ${MX_TIMEOUT_SCALE:-1}))
	until _mx_converged || [ "$EPOCHSECONDS" -ge "$deadline" ]; do
		sleep 2
	done
	mx_status A
	mx_status B
	if ! _mx_converged; then
		[ "$(mx_repl A)" != InSync ] || [ "$(mx_data_state B)" != Inconsistent ] ||
			fail "after the fault at $1, A says InSync while B is Inconsistent (the lost state change left them diverged)"
		fail "after the fault at $1, A and B did not converge to InSync/Consistent"
	fi
	vm_run A "dmesg | grep -q '$2'" || fail "A did not log '$2' for the fault at $1"
}

mx_start_pair A B

step "the RESYNC_DONE of a partial resync cannot be allocated: A drops the connection"
dirty_resync resync_done $((64 << 20)) 067-a
converge resync_done 'cannot send a sync state (-12), disconnecting'
check_pattern B "$MX_DATA" 067-a 1M 64M

step "the send of a sync state fails: A drops the connection"
dirty_resync ctrl_send $((96 << 20)) 067-b
converge ctrl_send 'send failed (-5), disconnecting'
check_pattern B "$MX_DATA" 067-b 1M 96M

step "the send of a write fails: the write completes, the region is resynced"
mx_fault_arm A data_send 1
write_pattern A /dev/mapper/mx 067-c 1M $((128 << 20))
converge data_send 'send failed (-5), disconnecting'
check_pattern B "$MX_DATA" 067-c 1M 128M

mx_assert_same A B
mx_assert_no_leaks A B
pass
