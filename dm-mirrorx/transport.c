// SPDX-License-Identifier: GPL-2.0
/*
 * dm-mirrorx in-kernel TCP transport: blocking socket helpers.
 *
 * The source connects, the receiver listens. Both sides run one receive
 * thread per connection that blocks in sock_recvmsg() with a receive
 * timeout (used for keepalive), and serialise sends with a mutex. A
 * payload is received with one call over all of its pages. Data pages
 * go out with kernel_sendpage() (zero copy): the caller keeps the pages
 * alive until the peer acknowledged them; pages zero copy must not take
 * (slab) are copied. A receive that began a packet waits at most
 * MX_RECV_STALL_TIMEOUT without progress for the rest, and all of it at
 * least at MX_RECV_MIN_RATE (proto.h) on average.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inet.h>
#include <linux/tcp.h>
#include <linux/sched/mm.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <net/sock.h>
#include <net/tcp.h>
#include "transport.h"
#include "compat.h"

static void mx_sock_tune(struct socket *sock)
{
	struct sock *sk = sock->sk;

	sk->sk_allocation = GFP_NOIO;
	sk->sk_use_task_frag = false;
	tcp_sock_set_nodelay(sk);
	tcp_sock_set_user_timeout(sk, jiffies_to_msecs(MX_SEND_TIMEOUT));
	sock_no_linger(sk);
	lock_sock(sk);
	sk->sk_sndtimeo = MX_SEND_TIMEOUT;
	sk->sk_rcvtimeo = MAX_SCHEDULE_TIMEOUT;
	release_sock(sk);
}

static int mx_addr_len(const struct sockaddr_storage *addr)
{
	return addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					     sizeof(struct sockaddr_in);
}

int mx_sock_connect(const struct sockaddr_storage *addr, struct socket **res)
{
	struct socket *sock;
	int r;

	r = sock_create_kern(&init_net, addr->ss_family, SOCK_STREAM,
			     IPPROTO_TCP, &sock);
	if (r)
		return r;
	mx_sock_tune(sock);
	lock_sock(sock->sk);
	sock->sk->sk_sndtimeo = MX_CONNECT_TIMEOUT;
	release_sock(sock->sk);
	r = kernel_connect(sock, (struct sockaddr *)addr, mx_addr_len(addr), 0);
	if (r) {
		sock_release(sock);
		return r;
	}
	lock_sock(sock->sk);
	sock->sk->sk_sndtimeo = MX_SEND_TIMEOUT;
	release_sock(sock->sk);
	*res = sock;
	return 0;
}

int mx_sock_listen(const struct sockaddr_storage *addr, struct socket **res)
{
	struct socket *sock;
	int r;

	r = sock_create_kern(&init_net, addr->ss_family, SOCK_STREAM,
			     IPPROTO_TCP, &sock);
	if (r)
		return r;
	sock_set_reuseaddr(sock->sk);
	r = kernel_bind(sock, (struct sockaddr *)addr, mx_addr_len(addr));
	if (!r)
		r = kernel_listen(sock, 8);
	if (r) {
		sock_release(sock);
		return r;
	}
	*res = sock;
	return 0;
}

int mx_sock_accept(struct socket *lsock, long timeout, struct socket **res)
{
	int r;

	mx_sock_set_rcvtimeo(lsock, timeout);
	r = kernel_accept(lsock, res, 0);
	if (r)
		return r;
	mx_sock_tune(*res);
	return 0;
}

void mx_sock_set_rcvtimeo(struct socket *sock, long timeout)
{
	lock_sock(sock->sk);
	sock->sk->sk_rcvtimeo = timeout;
	release_sock(sock->sk);
}

void mx_sock_shutdown(struct socket *sock)
{
	if (sock)
		kernel_sock_shutdown(sock, SHUT_RDWR);
}

void mx_sock_release(struct socket *sock)
{
	if (sock)
		sock_release(sock);
}

int mx_send_buf(struct socket *sock, const void *buf, size_t len, bool more)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec iov;
	unsigned int noio;
	int r = 0;

	if (more)
		msg.msg_flags |= MSG_MORE;
	noio = memalloc_noio_save();
	while (len) {
		iov.iov_base = (void *)buf;
		iov.iov_len = len;
		r = kernel_sendmsg(sock, &msg, &iov, 1, len);
		if (r <= 0) {
			r = r ? r : -EPIPE;
			break;
		}
		buf += r;
		len -= r;
		r = 0;
	}
	memalloc_noio_restore(noio);
	return r;
}

/*
 * Send part of a page that zero-copy must not take: a slab page (a
 * filesystem's sub-page metadata buffer, say) or one without a reference.
 * TCP would hold on to it past our acknowledgment (nvme-tcp has the same
 * rule), so copy it through a kernel mapping instead.
 */
static int mx_send_page_copy(struct socket *sock, struct page *page,
			     size_t off, size_t len, bool more)
{
	void *p = kmap_local_page(page);
	int r;

	r = mx_send_buf(sock, p + off, len, more);
	kunmap_local(p);
	return r;
}

static int mx_send_page(struct socket *sock, struct page *page, size_t off,
			size_t len, bool more)
{
	unsigned int noio;
	int flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0);
	int r = 0;

	if (!sendpage_ok(page))
		return mx_send_page_copy(sock, page, off, len, more);
	noio = memalloc_noio_save();
	while (len) {
		r = mx_compat_sendpage(sock, page, off, len, flags);
		if (r <= 0) {
			r = r ? r : -EPIPE;
			break;
		}
		off += r;
		len -= r;
		r = 0;
	}
	memalloc_noio_restore(noio);
	return r;
}

int mx_send_bvec_iter(struct socket *sock, struct bio_vec *bvecs,
		      struct bvec_iter iter, bool more)
{
	struct bio_vec bv;
	struct bvec_iter it;
	int r;

	for_each_bvec(bv, bvecs, it, iter) {
		bool last = it.bi_size == bv.bv_len;

		r = mx_send_page(sock, bv.bv_page, bv.bv_offset, bv.bv_len,
				 more || !last);
		/*
		 * After the last page the request may be acked and its
		 * bvecs freed: do not let the iterator step over them.
		 */
		if (r || last)
			return r;
	}
	return 0;
}

int mx_send_hdr(struct socket *sock, const struct mx_hdr *h,
		const void *payload, bool more)
{
	struct mx_wire_hdr w;
	int r;

	mx_hdr_encode(&w, h);
	if (!payload)
		return mx_send_buf(sock, &w, sizeof(w), more);
	r = mx_send_buf(sock, &w, sizeof(w), true);
	if (r)
		return r;
	return mx_send_buf(sock, payload, h->length, more);
}

bool mx_should_stop(void)
{
	return (current->flags & PF_KTHREAD) && kthread_should_stop();
}

/*
 * Receive what @msg's iterator covers; @started: it is the rest of a
 * packet whose header came (a payload). Inside a packet, a receive timeout
 * is not "nothing to read": the rest is owed, so keep waiting, but only
 * MX_RECV_STALL_TIMEOUT without a byte (a link cut mid-packet, a peer
 * that stalls), never past a stop, and never longer in all than
 * MX_RECV_STALL_TIMEOUT plus a second per MX_RECV_MIN_RATE bytes (a peer
 * that trickles a byte at a time; checked between receives, so up to one
 * receive timeout later). sock_recvmsg() advances the iterator by what it
 * copied (what came before the socket's receive timeout, when not all
 * did), so a partial receive resumes where it ended.
 */
static int mx_recv_iter(struct socket *sock, struct msghdr *msg,
			bool started)
{
	unsigned long progress = jiffies, deadline = 0;
	size_t len = msg_data_left(msg);
	bool timed = false;
	unsigned int noio;
	int r = 0;

	noio = memalloc_noio_save();
	while (msg_data_left(msg)) {
		if (started && !timed) {
			deadline = jiffies + MX_RECV_STALL_TIMEOUT +
				   (unsigned long)mx_recv_rate_secs(len) * HZ;
			timed = true;
		}
		if (started && mx_should_stop()) {
			r = -EINTR;
			break;
		}
		if (started && time_after(jiffies, deadline)) {
			r = -ETIMEDOUT;
			break;
		}
		r = sock_recvmsg(sock, msg, MSG_WAITALL);
		if (r == -EAGAIN && started) {
			if (time_after(jiffies,
				       progress + MX_RECV_STALL_TIMEOUT)) {
				r = -ETIMEDOUT;
				break;
			}
			continue;
		}
		if (r <= 0) {
			r = r ? r : -ECONNRESET;
			break;
		}
		started = true;
		progress = jiffies;
		r = 0;
	}
	memalloc_noio_restore(noio);
	return r;
}

/* Receive exactly @len bytes into @buf; @started: as mx_recv_iter(). */
static int mx_recv_kvec(struct socket *sock, void *buf, size_t len,
			bool started)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec iov = { .iov_base = buf, .iov_len = len };

	iov_iter_kvec(&msg.msg_iter, ITER_DEST, &iov, 1, len);
	return mx_recv_iter(sock, &msg, started);
}

int mx_recv_buf(struct socket *sock, void *buf, size_t len)
{
	return mx_recv_kvec(sock, buf, len, false);
}

int mx_recv_owed(struct socket *sock, void *buf, size_t len)
{
	return mx_recv_kvec(sock, buf, len, true);
}

int mx_recv_bvecs(struct socket *sock, struct bio_vec *bvecs, u32 nr,
		  size_t len)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };

	iov_iter_bvec(&msg.msg_iter, ITER_DEST, bvecs, nr, len);
	return mx_recv_iter(sock, &msg, true);
}

int mx_recv_hdr(struct socket *sock, struct mx_hdr *h, u64 dev_sectors,
		const char **err)
{
	struct mx_wire_hdr w;
	int r;

	r = mx_recv_buf(sock, &w, sizeof(w));
	if (r)
		return r;
	return mx_hdr_decode(&w, h, dev_sectors, err);
}

void mx_addr_str(const struct sockaddr_storage *addr, char *buf, size_t len)
{
	if (addr->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)addr;

		snprintf(buf, len, "[%pI6c]:%u", &a->sin6_addr,
			 ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const void *)addr;

		snprintf(buf, len, "%pI4:%u", &a->sin_addr, ntohs(a->sin_port));
	}
}
