# The lines of 'perf script -F tid,time,event' for net:netif_receive_skb,
# net:net_dev_start_xmit and syscalls:sys_{enter,exit}_sendto, as samples
# "KIND MICROSECONDS": how long this host took from a packet in to its next
# packet out (turn), from a packet out to the next in (wait: the wire and
# the other host), and in each sendto() call (sendto).

{
	tid = $1
	t = $2
	sub(/:$/, "", t)
	t *= 1e6
	if ($3 ~ /netif_receive_skb/) {
		if (last == "tx")
			print "wait", t - tx_t
		rx_t = t
		last = "rx"
	} else if ($3 ~ /net_dev_start_xmit/) {
		if (last == "rx")
			print "turn", t - rx_t
		tx_t = t
		last = "tx"
	} else if ($3 ~ /sys_enter_sendto/) {
		start[tid] = t
	} else if ($3 ~ /sys_exit_sendto/ && tid in start) {
		print "sendto", t - start[tid]
		delete start[tid]
	}
}
