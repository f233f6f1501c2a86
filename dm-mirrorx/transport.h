/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel TCP transport (transport.c): blocking socket helpers used by
 * the per-connection threads. Every call has a timeout; shutting a socket
 * down from another thread wakes a blocked caller.
 */
#ifndef DM_MIRRORX_TRANSPORT_H
#define DM_MIRRORX_TRANSPORT_H

#include <linux/net.h>
#include <linux/socket.h>
#include <linux/bvec.h>
#include "proto.h"

/* How long a blocked send or connect may wait for progress. */
#define MX_SEND_TIMEOUT		(10 * HZ)
#define MX_CONNECT_TIMEOUT	(5 * HZ)
/*
 * Longest silence inside a packet (a header or payload that began to
 * arrive) before the receive fails with -ETIMEDOUT.
 */
#define MX_RECV_STALL_TIMEOUT	(10 * HZ)

int mx_sock_connect(const struct sockaddr_storage *addr, struct socket **res);
int mx_sock_listen(const struct sockaddr_storage *addr, struct socket **res);
/* Accept one connection; -EAGAIN after @timeout jiffies without one. */
int mx_sock_accept(struct socket *lsock, long timeout, struct socket **res);
void mx_sock_set_rcvtimeo(struct socket *sock, long timeout);
void mx_sock_shutdown(struct socket *sock);
void mx_sock_release(struct socket *sock);

/* Send @len bytes from @buf, all or an error. @more: MSG_MORE follows. */
int mx_send_buf(struct socket *sock, const void *buf, size_t len, bool more);
/* Send the data of a bio range (pages, zero-copy). */
int mx_send_bvec_iter(struct socket *sock, struct bio_vec *bvecs,
		      struct bvec_iter iter, bool more);
/* Send one header (and a small linear payload, may be NULL). */
int mx_send_hdr(struct socket *sock, const struct mx_hdr *h,
		const void *payload, bool more);
/*
 * Receive exactly @len bytes. Returns 0, -EAGAIN when the receive timeout
 * expired before the first byte, -ETIMEDOUT when no byte came for
 * MX_RECV_STALL_TIMEOUT after the first or all did not come within
 * MX_RECV_STALL_TIMEOUT plus mx_recv_rate_secs(@len) (proto.h) of it,
 * -EINTR when the calling kthread is told to stop meanwhile, or another
 * error (peer closed: -ECONNRESET).
 */
int mx_recv_buf(struct socket *sock, void *buf, size_t len);
/*
 * Receive exactly @len bytes of a packet's body (after its header), as
 * mx_recv_buf(), but the body is owed, so no receive timeout ends it
 * before its first byte: only MX_RECV_STALL_TIMEOUT without a byte, the
 * time limit counted from the call, a stop, or an error. Not for
 * handshake packets, whose wait the handshake's receive timeout bounds.
 */
int mx_recv_owed(struct socket *sock, void *buf, size_t len);
/*
 * Is the calling kthread told to stop? It then gives up a receive or a
 * wait; a work item never is.
 */
bool mx_should_stop(void);
/*
 * Receive exactly @len bytes of a payload into the pages of @bvecs (@nr
 * entries, whose lengths add up to at least @len), as mx_recv_owed().
 */
int mx_recv_bvecs(struct socket *sock, struct bio_vec *bvecs, u32 nr,
		  size_t len);
/* Receive and validate one header; see mx_hdr_decode(). */
int mx_recv_hdr(struct socket *sock, struct mx_hdr *h, u64 dev_sectors,
		const char **err);

/* "1.2.3.4:7788" style rendering of @addr into @buf. */
void mx_addr_str(const struct sockaddr_storage *addr, char *buf, size_t len);

#endif /* DM_MIRRORX_TRANSPORT_H */
