// SPDX-License-Identifier: GPL-2.0
/*
 * collab: pages that come back.
 *
 * A stored message, a bundle and a received message each sit in page
 * fragments until their peer or their receiver is done with them. A new
 * page is zeroed when it is allocated (init_on_alloc, the default on
 * distribution kernels), which costs about what copying into it does. So
 * each CPU keeps the pages it filled, oldest first, and fills one again
 * once no skb holds a piece of it: links acknowledge in order, so the
 * oldest is the first to come free. A page that something keeps longer
 * (a message stored for a peer that is down) leaves the ring when it is
 * full, to be freed by its last user.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>

#include "pages.h"

#define COLLAB_PAGES_ORDER	3	/* 32 KiB, as the core's page frags */
#define COLLAB_PAGES_RING	64	/* filled pages kept per CPU: 2 MiB */

struct collab_pages {
	struct page_frag cur;		/* being filled; one reference ours */
	struct page *ring[COLLAB_PAGES_RING];	/* filled, oldest at head */
	unsigned int head;
	unsigned int n;
};

static DEFINE_PER_CPU(struct collab_pages, collab_pages);

static struct page *new_page(void)
{
	struct page *page;

	page = alloc_pages(GFP_ATOMIC | __GFP_COMP | __GFP_NOWARN |
			   __GFP_NORETRY, COLLAB_PAGES_ORDER);
	return page ?: alloc_page(GFP_ATOMIC | __GFP_NOWARN);
}

/* Put the page being filled on the ring, dropping the oldest if full. */
static void retire(struct collab_pages *p)
{
	if (p->n == COLLAB_PAGES_RING) {
		put_page(p->ring[p->head]);
		p->head = (p->head + 1) % COLLAB_PAGES_RING;
		p->n--;
	}
	p->ring[(p->head + p->n) % COLLAB_PAGES_RING] = p->cur.page;
	p->n++;
	p->cur.page = NULL;
}

/* A page with room for @size bytes: one that came back, or a new one. */
static bool refill(struct collab_pages *p, unsigned int size)
{
	struct page *page;

	if (p->cur.page && p->cur.offset + size <= p->cur.size)
		return true;
	if (p->cur.page && page_ref_count(p->cur.page) == 1 &&
	    size <= p->cur.size) {
		p->cur.offset = 0;
		return true;
	}
	if (p->cur.page)
		retire(p);
	page = p->n ? p->ring[p->head] : NULL;
	if (page && page_ref_count(page) == 1) {
		p->head = (p->head + 1) % COLLAB_PAGES_RING;
		p->n--;
	} else {
		page = new_page();
		if (!page)
			return false;
	}
	p->cur.page = page;
	p->cur.offset = 0;
	p->cur.size = page_size(page);
	return size <= p->cur.size;
}

/*
 * An skb whose head is @size bytes (its shared info included) of a page
 * fragment; NULL if no page has the room, for the caller to allocate
 * otherwise. Any context.
 */
struct sk_buff *collab_pages_skb(unsigned int size)
{
	unsigned int fragsz = SKB_DATA_ALIGN(size) +
			      SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	struct collab_pages *p;
	struct sk_buff *skb;
	void *data = NULL;

	local_bh_disable();
	p = this_cpu_ptr(&collab_pages);
	if (refill(p, fragsz)) {
		data = page_address(p->cur.page) + p->cur.offset;
		get_page(p->cur.page);
		p->cur.offset += fragsz;
	}
	local_bh_enable();
	if (!data)
		return NULL;
	skb = build_skb(data, fragsz);
	if (!skb)
		skb_free_frag(data);
	return skb;
}

/* At module exit: the pages still in use go with their last user. */
void collab_pages_exit(void)
{
	struct collab_pages *p;
	int cpu;

	for_each_possible_cpu(cpu) {
		p = per_cpu_ptr(&collab_pages, cpu);
		if (p->cur.page)
			put_page(p->cur.page);
		while (p->n) {
			put_page(p->ring[p->head]);
			p->head = (p->head + 1) % COLLAB_PAGES_RING;
			p->n--;
		}
		p->cur.page = NULL;
	}
}
