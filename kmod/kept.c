// SPDX-License-Identifier: GPL-2.0
/*
 * collab: messages for distant nodes, kept by their source until the
 * final node answers them.
 *
 * A link keeps what it sends until its peer acknowledges it; but a relay
 * that acknowledged a message and then died took the message along. So
 * a message for a node that is not a peer (or that follows one still
 * kept for it) is kept here too, marked COLLAB_FF_KEPT, in a queue per
 * destination node, until the final node's receipt for it comes back,
 * or a relay's refusal. The final node answers every kept message,
 * whether its sender asked for receipts or not; the sender hears of the
 * first answer, if it asked.
 *
 * The queue goes out in order to the next hop towards its node. When the
 * next hop changes, or the oldest message has had no answer for a while
 * (three times the usual wait for an answer, at least a second, doubling
 * up to sixteen while none comes and the link to the next hop is up),
 * everything still kept goes again, oldest first. Each copy names
 * the kept message sent before it to the same node (kept_prev; none for
 * the oldest): the final node takes a message once only, and only after
 * the one before it (link_rx.c, reach.c). So each is taken exactly once,
 * in the order it was sent, whatever way each copy went; a copy of one
 * taken already is answered again, one whose predecessor is missing is
 * dropped (drop_kept_gap) until it comes again behind it.
 *
 * Bounded like a link's store: per node store_max_msgs messages and
 * COLLAB_STORE_BYTES, for the namespace COLLAB_STORE_NET_BYTES; senders
 * wait for room. A message kept past the store's lifetime goes, with a
 * receipt of ETIMEDOUT.
 *
 * Locking: send_mutex orders senders and resends (process context), so
 * that what one sends follows what came before it; lock (BH off) guards
 * the queues, which receipts change in softirq under a peer's lock. No
 * peer's lock is ever taken under it.
 */
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/workqueue.h>

#include "deliver.h"
#include "frame.h"
#include "kept.h"
#include "reach.h"

#define KEPT_HASH_BITS	6
#define KEPT_TICK	(HZ / 4)
#define KEPT_RTO_MIN_MS	1000
#define KEPT_RTO_MAX_MS	16000

/* What is kept for one node. */
struct kept_node {
	struct hlist_node hnode;
	struct collab_guid node;
	struct sk_buff_head q;		/* oldest first */
	struct sk_buff *next;		/* the first not sent its way; NULL */
	struct collab_guid via;		/* the peer they went to */
	unsigned int bytes;
	unsigned long progress;		/* jiffies: last answer, or resend */
	unsigned int rto_ms;
	unsigned int srtt_ms;		/* the wait for an answer; 0: none */
};

struct collab_kept {
	struct collab_net *cn;
	struct mutex send_mutex;	/* senders and resends, in order */
	spinlock_t lock;		/* the queues; BH off */
	DECLARE_HASHTABLE(nodes, KEPT_HASH_BITS);
	unsigned int nr_nodes;		/* READ_ONCE without the lock */
	long bytes;			/* of every node */
	bool stopped;
	struct delayed_work work;
};

/* What a kept message carries in skb->cb. */
struct kept_cb {
	unsigned long kept_at;		/* jiffies */
	u64 msgid;
	unsigned int sent;		/* times it went */
	bool confirm;			/* its sender wants receipts */
};

static struct kept_cb *kept_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct kept_cb) > sizeof(skb->cb));
	return (struct kept_cb *)skb->cb;
}

static u32 node_hash(const struct collab_guid *node)
{
	return jhash(node, sizeof(*node), 0);
}

/* Under k->lock. */
static struct kept_node *node_find(struct collab_kept *k,
				   const struct collab_guid *node)
{
	struct kept_node *kn;

	hash_for_each_possible(k->nodes, kn, hnode, node_hash(node))
		if (collab_guid_equal(&kn->node, node))
			return kn;
	return NULL;
}

/* How long the oldest message waits for an answer before all go again. */
static unsigned int rto_base(const struct kept_node *kn)
{
	return clamp(3 * kn->srtt_ms, KEPT_RTO_MIN_MS, KEPT_RTO_MAX_MS);
}

static void kept_schedule(struct collab_kept *k)
{
	if (!READ_ONCE(k->stopped))
		queue_delayed_work(system_wq, &k->work, KEPT_TICK);
}

/*
 * Whether a message of address kind @kind for @node, whose next hop is
 * @via, is to be kept: @node is another than @via, or messages are kept
 * for it still, which it must follow.
 */
bool collab_kept_wanted(struct collab_net *cn, u8 kind,
			const struct collab_guid *node,
			const struct collab_peer *via)
{
	struct collab_kept *k = cn->kept;
	struct kept_node *kn;
	bool queued;

	if ((kind != COLLAB_ADDR_APP && kind != COLLAB_ADDR_GUID) ||
	    collab_guid_is_zero(node))
		return false;
	if (!collab_guid_equal(&via->id, node))
		return true;
	/* A message for a peer, while nothing is kept: most of them. */
	if (!READ_ONCE(k->nr_nodes))
		return false;
	spin_lock_bh(&k->lock);
	kn = node_find(k, node);
	queued = kn && !skb_queue_empty(&kn->q);
	spin_unlock_bh(&k->lock);
	return queued;
}

/* Whether another message may be kept for @node. */
bool collab_kept_has_room(struct collab_net *cn,
			  const struct collab_guid *node)
{
	struct collab_kept *k = cn->kept;
	struct kept_node *kn;
	bool room;

	spin_lock_bh(&k->lock);
	kn = node_find(k, node);
	room = k->bytes < COLLAB_STORE_NET_BYTES &&
	       (!kn || (skb_queue_len(&kn->q) < READ_ONCE(cn->store_max_msgs) &&
			kn->bytes < COLLAB_STORE_BYTES));
	spin_unlock_bh(&k->lock);
	return room;
}

/*
 * Under k->lock: the next message to send its way, with a reference, and
 * the msgid of the one before it in the queue (0: none); NULL if all went.
 */
static struct sk_buff *next_out(struct kept_node *kn, u64 *prev)
{
	struct sk_buff *skb = kn->next;

	if (!skb)
		return NULL;
	*prev = skb_queue_is_first(&kn->q, skb) ? 0 :
		kept_cb(skb->prev)->msgid;
	kn->next = skb_queue_is_last(&kn->q, skb) ? NULL : skb->next;
	kept_cb(skb)->sent++;
	return skb_get(skb);
}

/*
 * The link packets of a copy of kept @skb for @via, which says what came
 * before it (@prev), in @pkts.
 */
static int out_packets(struct sk_buff *skb, u64 prev, struct collab_peer *via,
		       struct sk_buff_head *pkts)
{
	s64 d = kept_cb(skb)->msgid - prev;
	int err;

	err = collab_msg_copy_packets(skb, collab_link_mss(via), GFP_KERNEL,
				      pkts);
	if (err)
		return err;
	/* The first packet starts with the frame header. */
	collab_frame(skb_peek(pkts))->kept_prev =
		cpu_to_be32(prev && d >= S32_MIN && d <= S32_MAX ?
			    (u32)(s32)d : 0);
	return 0;
}

/*
 * Under send_mutex: send what is kept for @kn and has not gone its way,
 * while the next hop's store has room. A new next hop, or, on @tick, an
 * oldest message unanswered for long, sends everything again.
 */
static void kept_push(struct collab_kept *k, struct kept_node *kn, bool tick)
{
	struct collab_net *cn = k->cn;
	struct collab_peer *via;
	struct sk_buff *skb;
	struct sk_buff_head pkts;
	bool again;
	u64 prev;
	int err;

	via = collab_next_hop(cn, &kn->node);
	if (!via)
		return;
	spin_lock_bh(&k->lock);
	if (!collab_guid_equal(&via->id, &kn->via)) {
		kn->via = via->id;
		kn->next = skb_peek(&kn->q);
	} else if (tick && kn->next != skb_peek(&kn->q) &&
		   READ_ONCE(via->state) == COLLAB_PEER_UP &&
		   time_after(jiffies, kn->progress +
			      msecs_to_jiffies(kn->rto_ms))) {
		kn->next = skb_peek(&kn->q);
		kn->progress = jiffies;
		kn->rto_ms = min(2 * kn->rto_ms, KEPT_RTO_MAX_MS);
	}
	spin_unlock_bh(&k->lock);

	while (collab_link_has_room(via) && !READ_ONCE(via->dead)) {
		spin_lock_bh(&k->lock);
		skb = next_out(kn, &prev);
		spin_unlock_bh(&k->lock);
		if (!skb)
			break;
		again = kept_cb(skb)->sent > 1;
		err = out_packets(skb, prev, via, &pkts);
		consume_skb(skb);
		if (err) {
			/* It goes again when the oldest does. */
			collab_stat_inc(cn, COLLAB_STAT_DROP_NOMEM);
			break;
		}
		if (collab_link_enqueue(via, &pkts, 1))
			break;
		collab_stat_inc(cn, again ? COLLAB_STAT_KEPT_RESENT :
				COLLAB_STAT_TX_REMOTE);
	}
	collab_peer_put(via);
}

/*
 * Under send_mutex, which alone adds and removes nodes: what is kept for
 * @node, made if need be; NULL if it cannot be.
 */
static struct kept_node *node_get(struct collab_kept *k,
				  const struct collab_guid *node)
{
	struct kept_node *kn;

	spin_lock_bh(&k->lock);
	kn = node_find(k, node);
	spin_unlock_bh(&k->lock);
	if (kn || k->nr_nodes >= COLLAB_RNODES_MAX)
		return kn;
	kn = kzalloc(sizeof(*kn), GFP_KERNEL);
	if (!kn)
		return NULL;
	kn->node = *node;
	__skb_queue_head_init(&kn->q);
	spin_lock_bh(&k->lock);
	hash_add(k->nodes, &kn->hnode, node_hash(&kn->node));
	WRITE_ONCE(k->nr_nodes, k->nr_nodes + 1);
	spin_unlock_bh(&k->lock);
	return kn;
}

/*
 * Keep @msg, a message of this node for a node beyond its peers, and
 * send it after what was kept for that node before it; consumes @msg.
 * The caller waited for room (collab_kept_has_room()).
 */
int collab_kept_send(struct collab_net *cn, struct sk_buff *msg)
{
	struct collab_frame *f = collab_frame(msg);
	struct collab_kept *k = cn->kept;
	struct kept_node *kn;
	struct kept_cb *cb;

	mutex_lock(&k->send_mutex);
	kn = node_get(k, &f->dst_node);
	if (!kn) {
		mutex_unlock(&k->send_mutex);
		return -ENOBUFS;
	}
	spin_lock_bh(&k->lock);
	/* Kept, it no longer counts against its sender's buffer. */
	skb_orphan(msg);
	f->flags |= COLLAB_FF_KEPT;
	cb = kept_cb(msg);
	cb->kept_at = jiffies;
	cb->msgid = collab_frame_msgid(f);
	cb->sent = 0;
	cb->confirm = f->flags & COLLAB_FF_CONFIRM;
	if (skb_queue_empty(&kn->q)) {
		kn->progress = jiffies;
		kn->rto_ms = rto_base(kn);
	}
	__skb_queue_tail(&kn->q, msg);
	if (!kn->next)
		kn->next = msg;
	kn->bytes += msg->len;
	k->bytes += msg->len;
	spin_unlock_bh(&k->lock);
	collab_obj_add(cn, COLLAB_OBJ_KEPT, 1);

	kept_push(k, kn, false);
	mutex_unlock(&k->send_mutex);
	kept_schedule(k);
	return 0;
}

/*
 * Under k->lock: @skb is answered. The wait for an answer is learnt from
 * messages sent once, which an answer cannot be mistaken for.
 */
static void kept_answered(struct kept_node *kn, struct sk_buff *skb)
{
	unsigned int ms;

	if (kept_cb(skb)->sent == 1) {
		ms = jiffies_to_msecs(jiffies - kept_cb(skb)->kept_at);
		kn->srtt_ms = kn->srtt_ms ? (7 * kn->srtt_ms + ms) / 8 : ms;
	}
	if (skb == skb_peek(&kn->q)) {
		/* The oldest is answered: the way works. */
		kn->progress = jiffies;
		kn->rto_ms = rto_base(kn);
	}
}

/* Under k->lock: @skb leaves the queue of @kn. */
static void kept_unlink(struct collab_kept *k, struct kept_node *kn,
			struct sk_buff *skb)
{
	if (kn->next == skb)
		kn->next = skb_queue_is_last(&kn->q, skb) ? NULL : skb->next;
	__skb_unlink(skb, &kn->q);
	kn->bytes -= skb->len;
	k->bytes -= skb->len;
}

/* Under k->lock: the kept message @msgid of @kn, or NULL. */
static struct sk_buff *kept_find(struct kept_node *kn, u64 msgid)
{
	struct sk_buff *skb;

	skb_queue_walk(&kn->q, skb)
		if (kept_cb(skb)->msgid == msgid)
			return skb;
	return NULL;
}

/* The message is no longer kept: its sender hears of it, if it asked. */
static void kept_done(struct collab_net *cn, struct sk_buff *skb, int status,
		      const struct collab_guid *node)
{
	if (kept_cb(skb)->confirm)
		collab_receipt(cn, &collab_frame(skb)->src_id,
			       kept_cb(skb)->msgid, status, node);
	collab_obj_add(cn, COLLAB_OBJ_KEPT, -1);
	consume_skb(skb);
}

/*
 * In softirq, under @peer's lock: the final node's receipt for a kept
 * message of this node, or a relay's refusal of it, came from @peer.
 */
void collab_kept_receipt(struct collab_peer *peer,
			 const struct collab_wire_receipt *r)
{
	struct collab_net *cn = peer->cn;
	struct collab_kept *k = cn->kept;
	struct sk_buff *skb = NULL;
	struct kept_node *kn;
	unsigned int bkt;

	spin_lock(&k->lock);
	kn = node_find(k, &r->node);
	if (kn)
		skb = kept_find(kn, r->msgid);
	/* A relay's refusal names the relay. */
	if (!skb) {
		hash_for_each(k->nodes, bkt, kn, hnode) {
			skb = kept_find(kn, r->msgid);
			if (skb)
				break;
		}
	}
	if (skb && !collab_guid_equal(&collab_frame(skb)->src_id, &r->src_id))
		skb = NULL;
	if (skb) {
		kept_answered(kn, skb);
		kept_unlink(k, kn, skb);
	}
	spin_unlock(&k->lock);
	if (!skb) {
		/* Answered already, by another copy. */
		collab_stat_inc(cn, COLLAB_STAT_KEPT_ANSWERED_AGAIN);
		return;
	}
	kept_done(cn, skb, r->status, &r->node);
	if (wq_has_sleeper(&peer->store_wait))
		wake_up_interruptible_poll(&peer->store_wait, EPOLLOUT);
}

/* Under send_mutex: what was kept past the store's lifetime goes. */
static void kept_expire(struct collab_kept *k, struct kept_node *kn)
{
	unsigned long life = msecs_to_jiffies(READ_ONCE(k->cn->lifetime_ms));
	struct sk_buff_head old;
	struct sk_buff *skb;

	__skb_queue_head_init(&old);
	spin_lock_bh(&k->lock);
	while ((skb = skb_peek(&kn->q)) &&
	       time_after(jiffies, kept_cb(skb)->kept_at + life)) {
		kept_unlink(k, kn, skb);
		__skb_queue_tail(&old, skb);
	}
	spin_unlock_bh(&k->lock);
	while ((skb = __skb_dequeue(&old))) {
		collab_stat_inc(k->cn, COLLAB_STAT_DROP_EXPIRED);
		kept_done(k->cn, skb, ETIMEDOUT, &kn->node);
	}
}

/* Wake the senders that wait for room towards @kn's node. */
static void kept_wake(struct collab_kept *k, struct kept_node *kn)
{
	struct collab_peer *via = collab_next_hop(k->cn, &kn->node);

	if (!via)
		return;
	if (wq_has_sleeper(&via->store_wait))
		wake_up_interruptible_poll(&via->store_wait, EPOLLOUT);
	collab_peer_put(via);
}

/* Every tick while anything is kept: expiry, resends, empty nodes go. */
static void kept_work(struct work_struct *work)
{
	struct collab_kept *k = container_of(to_delayed_work(work),
					     struct collab_kept, work);
	struct hlist_node *tmp;
	struct kept_node *kn;
	unsigned int bkt;
	bool more;

	mutex_lock(&k->send_mutex);
	hash_for_each_safe(k->nodes, bkt, tmp, kn, hnode) {
		kept_expire(k, kn);
		spin_lock_bh(&k->lock);
		if (skb_queue_empty(&kn->q)) {
			hash_del(&kn->hnode);
			WRITE_ONCE(k->nr_nodes, k->nr_nodes - 1);
			spin_unlock_bh(&k->lock);
			kfree(kn);
			continue;
		}
		spin_unlock_bh(&k->lock);
		kept_push(k, kn, true);
		kept_wake(k, kn);
	}
	more = k->nr_nodes;
	mutex_unlock(&k->send_mutex);
	if (more)
		kept_schedule(k);
}

int collab_kept_init(struct collab_net *cn)
{
	struct collab_kept *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (!k)
		return -ENOMEM;
	k->cn = cn;
	mutex_init(&k->send_mutex);
	spin_lock_init(&k->lock);
	hash_init(k->nodes);
	INIT_DELAYED_WORK(&k->work, kept_work);
	cn->kept = k;
	return 0;
}

/* Before the peers go: nothing is sent again. */
void collab_kept_stop(struct collab_net *cn)
{
	struct collab_kept *k = cn->kept;

	WRITE_ONCE(k->stopped, true);
	cancel_delayed_work_sync(&k->work);
}

/* Once the peers went: what is still kept goes, counted. */
void collab_kept_destroy(struct collab_net *cn)
{
	struct collab_kept *k = cn->kept;
	struct hlist_node *tmp;
	struct kept_node *kn;
	struct sk_buff *skb;
	unsigned int bkt;

	hash_for_each_safe(k->nodes, bkt, tmp, kn, hnode) {
		while ((skb = __skb_dequeue(&kn->q))) {
			collab_stat_inc(cn, COLLAB_STAT_DROP_PEER_GONE);
			collab_obj_add(cn, COLLAB_OBJ_KEPT, -1);
			kfree_skb(skb);
		}
		hash_del(&kn->hnode);
		kfree(kn);
	}
	mutex_destroy(&k->send_mutex);
	kfree(k);
	cn->kept = NULL;
}
