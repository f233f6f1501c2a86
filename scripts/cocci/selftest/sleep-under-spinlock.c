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
