// SPDX-License-Identifier: GPL-2.0
/*
 * netscope's kernel side: discrete TCP events (state changes, retransmits, resets, drops)
 * from tracepoints into one ring buffer. Nothing here runs per send or receive: bytes, RTT
 * and retransmit totals are the socket's own counters, read at each event and sampled by
 * user space through sock_diag each tick.
 *
 * Each probe has a tp_btf program (typed, direct BTF access) and a raw_tp twin for kernels
 * that lack BTF-typed tracepoints; user space loads one of the two.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "tcp_events.h"
#include "lost_events.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define NETWORK_HEADER_UNSET 0xffff

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* user space resizes this before load (--ring-buffer-mb) */
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

/* Puts struct tcp_event into the object's BTF, where tests (and bpftool) read its layout. */
const struct tcp_event *tcp_event_layout __attribute__((unused));


static __always_inline struct tcp_event *reserve_event(__u8 kind)
{
	struct tcp_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);

	if (!event) {
		count_lost_event();
		return NULL;
	}
	__builtin_memset(event, 0, sizeof(*event));
	event->ts_ns = bpf_ktime_get_ns();
	event->kind = kind;
	return event;
}

static __always_inline bool is_tcp(const struct sock *sk)
{
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_TCP;
}

/*
 * Only some transitions run in the owning task's context: connect() (SYN_SENT), listen(),
 * and close()/shutdown() (FIN_WAIT1, LAST_ACK). Everything else may run in softirq on
 * whichever task the interrupt hit, so the current task says nothing about the socket there.
 */
static __always_inline bool runs_in_owner_context(int newstate)
{
	return newstate == TCP_SYN_SENT || newstate == TCP_LISTEN ||
	       newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK;
}

/* Full sockets carry tcp_sock counters; timewait and request minisocks share only sock_common. */
static __always_inline bool is_full_connection(const struct sock *sk)
{
	int state = BPF_CORE_READ(sk, __sk_common.skc_state);

	return state != TCP_TIME_WAIT && state != TCP_NEW_SYN_RECV && state != TCP_LISTEN;
}

static __always_inline __u64 read_cookie(const struct sock *sk)
{
	/* Set by our state program (or by sock_diag) the first time anyone asked. */
	return BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
}

static __always_inline void read_endpoints(struct tcp_event *event, const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	event->family = family;
	event->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	event->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	event->netns_ino = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	if (family == AF_INET) {
		bpf_core_read(event->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(event->daddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(event->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(event->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

static __always_inline void read_counters(struct tcp_event *event, const struct sock *sk)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	event->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
	event->bytes_received = BPF_CORE_READ(tp, bytes_received);
	event->segs_out = BPF_CORE_READ(tp, segs_out);
	event->segs_in = BPF_CORE_READ(tp, segs_in);
	event->total_retrans = BPF_CORE_READ(tp, total_retrans);
	event->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	event->has_counters = 1;
}

static __always_inline void read_current_owner(struct tcp_event *event)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	event->pid = bpf_get_current_pid_tgid() >> 32;
	event->uid = (__u32)bpf_get_current_uid_gid();
	event->cgroup_id = bpf_get_current_cgroup_id();
	/* the process's name, not the calling thread's (Node names its main thread "MainThread") */
	BPF_CORE_READ_STR_INTO(&event->comm, task, group_leader, comm);
	event->owner_known = 1;
}

static __always_inline void read_socket_event(struct tcp_event *event, const struct sock *sk)
{
	event->sock_cookie = read_cookie(sk);
	event->new_state = BPF_CORE_READ(sk, __sk_common.skc_state);
	read_endpoints(event, sk);
	read_counters(event, sk);
}

static __always_inline int on_state_change(const struct sock *sk, int oldstate, int newstate,
					   __u64 cookie)
{
	struct tcp_event *event;

	if (!is_tcp(sk))
		return 0;
	event = reserve_event(TCP_EVENT_STATE);
	if (!event)
		return 0;
	event->sock_cookie = cookie;
	event->old_state = oldstate;
	event->new_state = newstate;
	read_endpoints(event, sk);
	/* at CLOSE these are the connection's final totals */
	read_counters(event, sk);
	if (runs_in_owner_context(newstate))
		read_current_owner(event);
	bpf_ringbuf_submit(event, 0);
	return 0;
}

static __always_inline int on_retransmit(const struct sock *sk)
{
	struct tcp_event *event = reserve_event(TCP_EVENT_RETRANSMIT);

	if (!event)
		return 0;
	read_socket_event(event, sk);
	bpf_ringbuf_submit(event, 0);
	return 0;
}

static __always_inline int on_receive_reset(const struct sock *sk)
{
	struct tcp_event *event = reserve_event(TCP_EVENT_RESET_RECEIVED);

	if (!event)
		return 0;
	read_socket_event(event, sk);
	bpf_ringbuf_submit(event, 0);
	return 0;
}

/*
 * The packet's own addresses and ports, source first. Returns false for anything that is not
 * TCP over IPv4/IPv6 (the drop tracepoint sees every protocol; most of it is not ours).
 */
static __always_inline bool read_packet_endpoints(struct tcp_event *event, const struct sk_buff *skb)
{
	__u16 protocol = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 network_offset = BPF_CORE_READ(skb, network_header);
	__u32 transport_offset;
	struct tcphdr tcp_header;

	if (network_offset == NETWORK_HEADER_UNSET)
		return false;
	if (protocol == ETH_P_IP) {
		struct iphdr ip_header;

		if (bpf_probe_read_kernel(&ip_header, sizeof(ip_header), head + network_offset))
			return false;
		if (ip_header.protocol != IPPROTO_TCP)
			return false;
		event->family = AF_INET;
		__builtin_memcpy(event->saddr, &ip_header.saddr, 4);
		__builtin_memcpy(event->daddr, &ip_header.daddr, 4);
		transport_offset = network_offset + ip_header.ihl * 4;
	} else if (protocol == ETH_P_IPV6) {
		struct ipv6hdr ip6_header;

		if (bpf_probe_read_kernel(&ip6_header, sizeof(ip6_header), head + network_offset))
			return false;
		/* extension headers before TCP are rare on TCP flows; such packets are skipped */
		if (ip6_header.nexthdr != IPPROTO_TCP)
			return false;
		event->family = AF_INET6;
		__builtin_memcpy(event->saddr, &ip6_header.saddr, 16);
		__builtin_memcpy(event->daddr, &ip6_header.daddr, 16);
		transport_offset = network_offset + sizeof(ip6_header);
	} else {
		return false;
	}
	if (bpf_probe_read_kernel(&tcp_header, sizeof(tcp_header), head + transport_offset))
		return false;
	event->sport = bpf_ntohs(tcp_header.source);
	event->dport = bpf_ntohs(tcp_header.dest);
	return true;
}

static __always_inline void swap_endpoints(struct tcp_event *event)
{
	__u8 address[16];
	__u16 port = event->sport;

	__builtin_memcpy(address, event->saddr, 16);
	__builtin_memcpy(event->saddr, event->daddr, 16);
	__builtin_memcpy(event->daddr, address, 16);
	event->sport = event->dport;
	event->dport = port;
}

static __always_inline __u32 packet_netns(const struct sk_buff *skb)
{
	return BPF_CORE_READ(skb, dev, nd_net.net, ns.inum);
}

static __always_inline int on_send_reset(const struct sock *sk, const struct sk_buff *skb,
					 __u32 reason)
{
	struct tcp_event *event = reserve_event(TCP_EVENT_RESET_SENT);

	if (!event)
		return 0;
	event->reason = reason;
	if (sk && is_full_connection(sk)) {
		read_socket_event(event, sk);
	} else if (skb && read_packet_endpoints(event, skb)) {
		/* a reply to this packet: our side is the packet's destination */
		swap_endpoints(event);
		event->netns_ino = packet_netns(skb);
	} else {
		bpf_ringbuf_discard(event, 0);
		return 0;
	}
	bpf_ringbuf_submit(event, 0);
	return 0;
}

static __always_inline int on_kfree_skb(const struct sk_buff *skb, __u32 reason, struct sock *rx_sk)
{
	struct tcp_event *event;
	struct sock *sk;

	/* check the protocol before reserving: this tracepoint fires for every dropped packet */
	__u16 protocol = bpf_ntohs(BPF_CORE_READ(skb, protocol));

	if (protocol != ETH_P_IP && protocol != ETH_P_IPV6)
		return 0;
	event = reserve_event(TCP_EVENT_DROP);
	if (!event)
		return 0;
	if (!read_packet_endpoints(event, skb)) {
		bpf_ringbuf_discard(event, 0);
		return 0;
	}
	event->reason = reason;
	/* on receive skb->sk is still empty: the socket the packet was delivered to is rx_sk */
	sk = BPF_CORE_READ(skb, sk);
	if (!sk)
		sk = rx_sk;
	if (sk && is_full_connection(sk)) {
		event->sock_cookie = read_cookie(sk);
		event->netns_ino = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
		event->new_state = BPF_CORE_READ(sk, __sk_common.skc_state);
	} else {
		event->netns_ino = packet_netns(skb);
	}
	bpf_ringbuf_submit(event, 0);
	return 0;
}

/* sk_rst_reason arrived with the reason argument (6.10); older kernels pass two arguments. */
#define RESET_REASON(ctx_reason) \
	(bpf_core_type_exists(enum sk_rst_reason) ? (__u32)(ctx_reason) : 0)

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	/* the helper assigns the cookie on first use, so every later event can read it */
	return on_state_change(sk, oldstate, newstate, bpf_get_socket_cookie((void *)sk));
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(handle_inet_sock_set_state_raw, const struct sock *sk, int oldstate, int newstate)
{
	return on_state_change(sk, oldstate, newstate, read_cookie(sk));
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(handle_tcp_retransmit_skb, const struct sock *sk)
{
	return on_retransmit(sk);
}

SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(handle_tcp_retransmit_skb_raw, const struct sock *sk)
{
	return on_retransmit(sk);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(handle_tcp_receive_reset, const struct sock *sk)
{
	return on_receive_reset(sk);
}

SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(handle_tcp_receive_reset_raw, const struct sock *sk)
{
	return on_receive_reset(sk);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(handle_tcp_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	return on_send_reset(sk, skb, RESET_REASON(ctx[2]));
}

SEC("raw_tp/tcp_send_reset")
int BPF_PROG(handle_tcp_send_reset_raw, const struct sock *sk, const struct sk_buff *skb)
{
	return on_send_reset(sk, skb, RESET_REASON(ctx[2]));
}

/*
 * The receiving socket arrived as a fourth argument in 6.12, and the trace event gained rx_sk
 * with it: that field's presence tells whether ctx[3] exists (a flavor, so this compiles
 * against an older vmlinux.h too).
 */
struct trace_event_raw_kfree_skb___rx_sk {
	void *rx_sk;
} __attribute__((preserve_access_index));

#define KFREE_SKB_RX_SK() \
	(bpf_core_field_exists(struct trace_event_raw_kfree_skb___rx_sk, rx_sk) ? (struct sock *)ctx[3] : NULL)

SEC("tp_btf/kfree_skb")
int BPF_PROG(handle_kfree_skb, const struct sk_buff *skb, void *location)
{
	return on_kfree_skb(skb, bpf_core_type_exists(enum skb_drop_reason) ? (__u32)ctx[2] : 0, KFREE_SKB_RX_SK());
}

SEC("raw_tp/kfree_skb")
int BPF_PROG(handle_kfree_skb_raw, const struct sk_buff *skb, void *location)
{
	return on_kfree_skb(skb, bpf_core_type_exists(enum skb_drop_reason) ? (__u32)ctx[2] : 0, KFREE_SKB_RX_SK());
}
