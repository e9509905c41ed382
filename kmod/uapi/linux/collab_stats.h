/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * collab: the counters of a network namespace, the one list that the
 * netlink attributes (enum collab_stats_attr in collab.h), the module's
 * own counters, /proc/net/collab and collabctl stats are all made from.
 * Each line is COLLAB_STAT(NAME, name, type): COLLAB_STATS_A_NAME, the
 * name printed, and U32 for a count of what exists now or U64 for a
 * counter of what happened. Every message not delivered is counted under
 * one reason. The order is that of the attributes: new counters go at
 * the end. No include guard: define COLLAB_STAT, include, undefine.
 */
/* open sockets */
COLLAB_STAT(SOCKETS, sockets, U32)
/* bound sockets */
COLLAB_STAT(INSTANCES, instances, U32)
/* application types bound */
COLLAB_STAT(APPS, apps, U32)
/* sessions with a member here */
COLLAB_STAT(SESSIONS, sessions, U32)
/* (instance, session) pairs */
COLLAB_STAT(MEMBERSHIPS, memberships, U32)
/* messages accepted by sendmsg */
COLLAB_STAT(TX_MSGS, tx_msgs, U64)
/* copies queued to receivers */
COLLAB_STAT(TX_COPIES, tx_copies, U64)
/* messages read by recvmsg */
COLLAB_STAT(RX_MSGS, rx_msgs, U64)
/* refused: no such destination */
COLLAB_STAT(TX_NO_ROUTE, tx_no_route, U64)
/* refused: no instance takes it */
COLLAB_STAT(TX_REFUSED, tx_refused, U64)
/* gave up: receiver full */
COLLAB_STAT(TX_FULL, tx_full, U64)
/* dropped: receiver closed */
COLLAB_STAT(DROP_CLOSED, drop_closed, U64)
/* notifications not sent */
COLLAB_STAT(EVENTS_LOST, events_lost, U64)
/* known peers */
COLLAB_STAT(PEERS, peers, U32)
/* peers whose link is up */
COLLAB_STAT(PEERS_UP, peers_up, U32)
/* instances of peers */
COLLAB_STAT(REMOTE_INSTANCES, remote_instances, U32)
/* messages kept for peers */
COLLAB_STAT(STORED, stored, U32)
/* messages stored for a peer */
COLLAB_STAT(TX_REMOTE, tx_remote, U64)
/* messages that came from one */
COLLAB_STAT(RX_REMOTE, rx_remote, U64)
/* UDP datagrams sent */
COLLAB_STAT(TX_PACKETS, tx_packets, U64)
/* UDP datagrams received */
COLLAB_STAT(RX_PACKETS, rx_packets, U64)
/* data packets sent again */
COLLAB_STAT(RETRANSMITS, retransmits, U64)
/* sends that found a store full */
COLLAB_STAT(STORE_FULL, store_full, U64)
/* too short, bad length/type */
COLLAB_STAT(DROP_MALFORMED, drop_malformed, U64)
/* unknown wire version */
COLLAB_STAT(DROP_VERSION, drop_version, U64)
/* for another node */
COLLAB_STAT(DROP_NOT_OURS, drop_not_ours, U64)
/* no link with the sender */
COLLAB_STAT(DROP_NO_LINK, drop_no_link, U64)
/* seen already (acked again) */
COLLAB_STAT(DROP_DUPLICATE, drop_duplicate, U64)
/* outside the receive window */
COLLAB_STAT(DROP_WINDOW, drop_window, U64)
/* from peers, past a receiver's buffer */
COLLAB_STAT(RX_HELD, rx_held, U64)
/* no such destination here */
COLLAB_STAT(DROP_NO_ROUTE, drop_no_route, U64)
/* too many peers or entries */
COLLAB_STAT(DROP_PEER_LIMIT, drop_peer_limit, U64)
/* stored past their lifetime */
COLLAB_STAT(DROP_EXPIRED, drop_expired, U64)
/* no memory on the way in */
COLLAB_STAT(DROP_NOMEM, drop_nomem, U64)
/* receipts queued to senders */
COLLAB_STAT(RECEIPTS, receipts, U64)
/* not queued: sender gone or full */
COLLAB_STAT(RECEIPTS_LOST, receipts_lost, U64)
/* for or from a peer removed */
COLLAB_STAT(DROP_PEER_GONE, drop_peer_gone, U64)
/* past that, and what it may hold */
COLLAB_STAT(DROP_HOLD_FULL, drop_hold_full, U64)
/* messages never completed */
COLLAB_STAT(DROP_REASM, drop_reasm, U64)
/* cookies sent to strangers */
COLLAB_STAT(COOKIES_SENT, cookies_sent, U64)
/* strangers left unanswered */
COLLAB_STAT(DROP_RATELIMIT, drop_ratelimit, U64)
/* peers that never came up */
COLLAB_STAT(PEERS_EXPIRED, peers_expired, U64)
/* others' GUIDs a peer claimed */
COLLAB_STAT(DROP_GUID_TAKEN, drop_guid_taken, U64)
/* receipts for no message sent */
COLLAB_STAT(DROP_RECEIPT, drop_receipt, U64)
/* out of order, past the budget */
COLLAB_STAT(DROP_RX_FULL, drop_rx_full, U64)
/* u64: from a peer, from an instance it did not announce */
COLLAB_STAT(DROP_NO_SOURCE, drop_no_source, U64)
/* activation requests sent */
COLLAB_STAT(ACTIVATIONS, activations, U64)
/* messages that waited for one */
COLLAB_STAT(ACT_HELD, act_held, U64)
/* and that an instance then took */
COLLAB_STAT(ACT_DELIVERED, act_delivered, U64)
/* messages waiting for activation now */
COLLAB_STAT(ACT_WAITING, act_waiting, U32)
/* no instance came in time */
COLLAB_STAT(DROP_ACT_TIMEOUT, drop_act_timeout, U64)
/* activator failed, or type withdrawn */
COLLAB_STAT(DROP_ACT_FAILED, drop_act_failed, U64)
/* could not wait: past the budget */
COLLAB_STAT(DROP_ACT_FULL, drop_act_full, U64)
/* link handshakes completed */
COLLAB_STAT(HANDSHAKES, handshakes, U64)
/* packets that failed authentication */
COLLAB_STAT(DROP_AUTH, drop_auth, U64)
/* sealed packets replayed or too old */
COLLAB_STAT(DROP_REPLAY, drop_replay, U64)
/* candidates whose key is not trusted */
COLLAB_STAT(DROP_UNTRUSTED, drop_untrusted, U64)
/* clear text refused by a keyed node */
COLLAB_STAT(DROP_PLAINTEXT, drop_plaintext, U64)
/* binds of a type reserved for others */
COLLAB_STAT(BIND_REFUSED, bind_refused, U64)
/* retransmission timer expiries that sent */
COLLAB_STAT(RTX_TIMEOUTS, rtx_timeouts, U64)
/* retransmission timer woke, nothing due */
COLLAB_STAT(TIMER_IDLE_RTX, timer_idle_rtx, U64)
/* acknowledgment timer woke, nothing owed */
COLLAB_STAT(TIMER_IDLE_ACK, timer_idle_ack, U64)
/* datagrams sent in GSO batches */
COLLAB_STAT(TX_BATCHED, tx_batched, U64)
/* nodes heard of through peers */
COLLAB_STAT(NODES, nodes, U32)
/* of them, reachable now */
COLLAB_STAT(NODES_REACHABLE, nodes_reachable, U32)
/* best routes that changed */
COLLAB_STAT(ROUTE_CHANGES, route_changes, U64)
/* reachability updates received */
COLLAB_STAT(REACH_UPDATES, reach_updates, U64)
/* route requests received */
COLLAB_STAT(REACH_REQUESTS, reach_requests, U64)
/* messages forwarded for other nodes */
COLLAB_STAT(RELAYED, relayed, U64)
/* not forwarded: relaying is off */
COLLAB_STAT(DROP_NO_RELAY, drop_no_relay, U64)
/* not forwarded: crossed too many links */
COLLAB_STAT(DROP_HOP_LIMIT, drop_hop_limit, U64)
/* session or broadcast copies that came by two ways */
COLLAB_STAT(DROP_TREE_DUPLICATE, drop_tree_duplicate, U64)
/* messages kept for distant nodes until answered */
COLLAB_STAT(KEPT, kept, U32)
/* kept messages sent again: a new way, or no answer */
COLLAB_STAT(KEPT_RESENT, kept_resent, U64)
/* answers to kept messages answered already */
COLLAB_STAT(KEPT_ANSWERED_AGAIN, kept_answered_again, U64)
/* kept messages that came again, answered again */
COLLAB_STAT(DROP_KEPT_DUPLICATE, drop_kept_duplicate, U64)
/* kept messages that came before their predecessor */
COLLAB_STAT(DROP_KEPT_GAP, drop_kept_gap, U64)
/* instances of nodes beyond the peers */
COLLAB_STAT(DISTANT_INSTANCES, distant_instances, U32)
/* tables of a distant node's instances not from the next hop to it */
COLLAB_STAT(DROP_DISTANT_STRAY, drop_distant_stray, U64)
/* sessions that nodes beyond the peers have members of, per node */
COLLAB_STAT(DISTANT_MEMBERSHIPS, distant_memberships, U32)
/* nodes that announced a key and an id other than the one it gives */
COLLAB_STAT(DROP_FORGED_ID, drop_forged_id, U64)
