// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of sleep-under-spinlock.cocci (scripts/cocci.sh): each line
 * marked "expect" must be reported, no other. Not built.
 */
static void reformat_frees_under_lock(struct meta *m)
{
	spin_lock_irq(&m->lock);
	kvfree(m->bits);	/* expect */
	m->bits = NULL;
	spin_unlock_irq(&m->lock);
}

static void frees_after_unlock(struct meta *m)
{
	unsigned long *old;

	spin_lock_irq(&m->lock);
	old = m->bits;
	m->bits = NULL;
	spin_unlock_irq(&m->lock);
	kvfree(old);
}

static void allocates_under_lock(struct meta *m)
{
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	if (m->ready) {
		spin_unlock_irqrestore(&m->lock, flags);
		m->buf = kmalloc(64, GFP_KERNEL);
		return;
	}
	m->buf = kzalloc(64, GFP_KERNEL);	/* expect */
	spin_unlock_irqrestore(&m->lock, flags);
}

static void waits_under_lock(struct peer *p)
{
	spin_lock_bh(&p->lock);
	if (p->busy)
		msleep(10);	/* expect */
	spin_unlock_bh(&p->lock);
	spin_lock(&p->lock);
	p->bio = bio_alloc(p->bdev, 1, REQ_OP_WRITE, GFP_NOIO);	/* expect */
	spin_unlock(&p->lock);
	mutex_lock(&p->sock_mutex);
	mutex_unlock(&p->sock_mutex);
}

static void waits_for_event_under_lock(struct peer *p)
{
	spin_lock_irq(&p->lock);
	wait_event_timeout(p->wait, p->done, HZ);	/* expect */
	spin_unlock_irq(&p->lock);
	wait_event(p->wait, p->done);
}

static void combined_gfp_under_lock(struct peer *p)
{
	unsigned long flags, other;

	spin_lock_irqsave(&p->lock, flags);
	p->buf = kmalloc(64, GFP_NOIO | __GFP_NOWARN);	/* expect */
	p->atomic_buf = kmalloc(64, GFP_ATOMIC);
	spin_unlock_irqrestore(&p->lock, flags);
	spin_lock_irqsave(&p->lock, other);
	p->x = 1;
	spin_unlock_irqrestore(&p->lock, other);
	msleep(1);
}
