// SPDX-License-Identifier: GPL-2.0
/// A call that may sleep while a spinlock is held: a sleep in atomic
/// context (with interrupts off, a hang), which only a
/// CONFIG_DEBUG_ATOMIC_SLEEP kernel reports at run time.
//
// Reported: the call, the lock and its line. Matched on every path from
// a spin_lock*() of L that reaches the call without an unlock of L, in
// the same function: a helper that sleeps, called under the lock, is not
// followed (CONFIG_DEBUG_ATOMIC_SLEEP in make check-debug catches those
// it runs into).
//
// Options: --no-includes --include-headers

virtual report

@r exists@
expression L, E;
identifier slp =~ "^(kvfree|vfree|kvmalloc|kvzalloc|kvcalloc|kvmalloc_array|vmalloc|vzalloc|bitmap_zalloc|bitmap_alloc|mutex_lock|mutex_lock_nested|mutex_lock_interruptible|down_read|down_write|lock_sock|msleep|msleep_interruptible|ssleep|usleep_range|cond_resched|schedule|schedule_timeout|schedule_timeout_interruptible|schedule_timeout_uninterruptible|wait_event.*|wait_for_completion.*|submit_bio|submit_bio_wait|mx_io_wait|mx_bio_submit_wait|mx_bdev_flush|blkdev_issue_flush|blkdev_issue_zeroout|bioset_init|flush_work|flush_workqueue|cancel_work_sync|cancel_delayed_work_sync|alloc_workqueue|destroy_workqueue|kthread_create_on_node|kthread_create|kthread_run|kthread_stop|sock_create_kern|sock_release|kernel_sendmsg|kernel_recvmsg|kernel_sendpage|kernel_accept|kernel_connect|kernel_bind|kernel_listen|kernel_sock_shutdown|tcp_sock_set_.*|sock_sendmsg|crypto_alloc_shash|crypto_alloc_comp|crypto_shash_setkey|synchronize_rcu|dm_get_device|dm_put_device)$";
position p1, p2;
@@
(
spin_lock@p1(L);
|
spin_lock_irq@p1(L);
|
spin_lock_bh@p1(L);
|
spin_lock_irqsave@p1(L, E);
)
... when != spin_unlock(L)
    when != spin_unlock_irq(L)
    when != spin_unlock_bh(L)
    when != spin_unlock_irqrestore(L, ...)
slp@p2(...)

@g exists@
expression L, E;
identifier f;
position p1, p2;
@@
(
spin_lock@p1(L);
|
spin_lock_irq@p1(L);
|
spin_lock_bh@p1(L);
|
spin_lock_irqsave@p1(L, E);
)
... when != spin_unlock(L)
    when != spin_unlock_irq(L)
    when != spin_unlock_bh(L)
    when != spin_unlock_irqrestore(L, ...)
f@p2(..., <+... \(GFP_KERNEL\|GFP_NOIO\|GFP_NOFS\) ...+>, ...)

@script:python depends on report@
slp << r.slp;
L << r.L;
p1 << r.p1;
p2 << r.p2;
@@
coccilib.report.print_report(p2[0], "%s() may sleep: called with spinlock %s held (taken on line %s): call it after the unlock" % (slp, L, p1[0].line))

@script:python depends on report@
f << g.f;
L << g.L;
p1 << g.p1;
p2 << g.p2;
@@
coccilib.report.print_report(p2[0], "%s() with GFP_KERNEL, GFP_NOIO or GFP_NOFS may sleep: called with spinlock %s held (taken on line %s): allocate before the lock or use GFP_ATOMIC" % (f, L, p1[0].line))
