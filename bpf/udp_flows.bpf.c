// SPDX-License-Identifier: GPL-2.0
/*
 * netscope's UDP flows: a cgroup skb program on the root cgroup v2, in both directions, sees the
 * packets of every local socket in every network namespace, each with its socket. UDP keeps no
 * per-socket byte counters the way tcp_info does, so here alone netscope counts per packet —
 * for UDP only: a TCP packet leaves after one byte is read.
 *
 * Every program returns 1 on every path: this hook decides whether the host's packets pass, and
 * counting must never be the reason one does not.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "udp_flows.h"

#define AF_INET 2
#define AF_INET6 10
#define UDP_HEADER_BYTES 8
#define IPV6_HEADER_BYTES 40
#define PASS 1
#define EEXIST 17
/* skb->_nfct holds the conntrack entry's address with its ctinfo in the low 3 bits (NFCT_INFOMASK). */
#define NFCT_INFO_MASK 7UL
/* ctinfo from IP_CT_IS_REPLY up: the packet runs in the entry's reply direction. */
#define IP_CT_IS_REPLY 3
#define IP_CT_DIR_ORIGINAL 0
/* IPS_DST_NAT, include/uapi/linux/netfilter/nf_conntrack_common.h: the destination was translated. */
#define IPS_DST_NAT (1UL << 5)

char LICENSE[] SEC("license") = "GPL";

/*
 * Every flow, connected sockets' and unconnected sockets' per-peer alike, until user space has
 * read it after its socket closed. Not socket-local storage: that is freed with the socket,
 * before user space could read what a short-lived socket (a resolver's query) moved. Not an LRU
 * map: that would evict live flows silently; a full map refuses the new flow and counts it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct udp_flow_key);
	__type(value, struct udp_flow_counters);
} udp_flows SEC(".maps");

/* Flows not counted because udp_flows was full; summed over CPUs by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} udp_flows_refused SEC(".maps");

/*
 * bpf_cast_to_kern_ctx (Linux 6.2) reaches the packet's conntrack entry and its socket's
 * namespace, which __sk_buff does not show. bpf/Makefile builds this file a second time with
 * UDP_FLOWS_BEFORE_6_2 defined, without them, for older kernels (a kfunc the kernel lacks fails
 * the whole load): there a send under DNAT counts on the real destination, and a flow's
 * namespace waits for sock_diag.
 */
#ifndef UDP_FLOWS_BEFORE_6_2
extern void *bpf_cast_to_kern_ctx(void *ctx) __ksym;

/*
 * Local flavours of the kernel's conntrack structs, only the fields read here: where conntrack is
 * a module its types are in the module's BTF, not in vmlinux.h, and libbpf relocates these
 * against whichever BTF has them (the ___ suffix is ignored when matching).
 */
struct sk_buff___netscope {
	unsigned long _nfct;
} __attribute__((preserve_access_index));

union nf_inet_addr___netscope {
	__u32 all[4];
} __attribute__((preserve_access_index));

struct nf_conntrack_tuple___netscope {
	struct {
		union nf_inet_addr___netscope u3;
		union {
			__be16 all;
		} u;
	} dst;
} __attribute__((preserve_access_index));

struct nf_conntrack_tuple_hash___netscope {
	struct nf_conntrack_tuple___netscope tuple;
} __attribute__((preserve_access_index));

struct nf_conn___netscope {
	struct nf_conntrack_tuple_hash___netscope tuplehash[2];
	unsigned long status;
} __attribute__((preserve_access_index));

#endif

/* Puts the structs into the object's BTF, where tests (and bpftool) read their layout. */
const struct udp_flow_key *udp_flow_key_layout __attribute__((unused));
const struct udp_flow_counters *udp_flow_counters_layout __attribute__((unused));

/* The packet's transport protocol, from its IP header in the linear data; 0 when not IP. */
static __always_inline __u8 ip_protocol(struct __sk_buff *skb)
{
	__u8 *data = (__u8 *)(long)skb->data;
	__u8 *data_end = (__u8 *)(long)skb->data_end;

	if (data + IPV6_HEADER_BYTES > data_end)
		return data + 10 <= data_end && (data[0] >> 4) == 4 ? data[9] : 0;
	switch (data[0] >> 4) {
	case 4:
		return data[9];
	case 6:
		/* An extension header before UDP hides it; such packets go uncounted. */
		return data[6];
	}
	return 0;
}

/* Reads the flow's addresses and the UDP payload length from the headers; false when malformed. */
static __always_inline bool read_flow(struct __sk_buff *skb, bool egress, struct udp_flow_key *key,
				      struct udp_flow_counters *fresh, __u64 *payload_bytes)
{
	__u8 first;
	__u32 header_bytes;
	__u16 ports[2];

	if (bpf_skb_load_bytes(skb, 0, &first, 1))
		return false;
	if ((first >> 4) == 4) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return false;
		header_bytes = (ip.ihl & 0xf) * 4;
		key->family = AF_INET;
		__builtin_memcpy(key->peer_addr, egress ? &ip.daddr : &ip.saddr, 4);
		__builtin_memcpy(fresh->local_addr, egress ? &ip.saddr : &ip.daddr, 4);
	} else {
		struct ipv6hdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return false;
		header_bytes = IPV6_HEADER_BYTES;
		key->family = AF_INET6;
		__builtin_memcpy(key->peer_addr, egress ? &ip.daddr : &ip.saddr, 16);
		__builtin_memcpy(fresh->local_addr, egress ? &ip.saddr : &ip.daddr, 16);
	}
	if (bpf_skb_load_bytes(skb, header_bytes, ports, sizeof(ports)))
		return false;
	key->peer_port = bpf_ntohs(egress ? ports[1] : ports[0]);
	fresh->local_port = bpf_ntohs(egress ? ports[0] : ports[1]);
	if (skb->len < header_bytes + UDP_HEADER_BYTES)
		return false;
	*payload_bytes = skb->len - header_bytes - UDP_HEADER_BYTES;
	return true;
}

#ifndef UDP_FLOWS_BEFORE_6_2
/*
 * Egress runs after the output hook's DNAT (nftables/iptables `type nat hook output`, kube-proxy
 * for a Service address) rewrote the destination, while the answers reach the socket translated
 * back: keyed by the packet, one conversation would count its sends on the real destination and
 * its answers on the address the application asked. The packet's conntrack entry still holds
 * the asked-for destination in its original tuple, so a translated send is keyed by that — for
 * connected and unconnected sockets alike, from the first datagram — and user space learns the
 * real destination from conntrack as for TCP.
 */
static __always_inline void key_by_asked_destination(struct __sk_buff *skb, struct udp_flow_key *key)
{
	struct sk_buff___netscope *kernel_skb;
	struct nf_conn___netscope *entry;
	unsigned long nfct, status = 0;
	__u8 asked_addr[16];
	__be16 asked_port;

	/* Without conntrack's types (a module not loaded when netscope started) nothing was translated. */
	if (!bpf_core_type_exists(struct nf_conn___netscope) || !bpf_core_field_exists(struct sk_buff___netscope, _nfct))
		return;
	kernel_skb = bpf_cast_to_kern_ctx(skb);
	nfct = kernel_skb->_nfct;
	entry = (struct nf_conn___netscope *)(nfct & ~NFCT_INFO_MASK);
	/* No entry (untracked), or a send in the reply direction: a server answering, addressed as the packet says. */
	if (!entry || (nfct & NFCT_INFO_MASK) >= IP_CT_IS_REPLY)
		return;
	if (bpf_core_read(&status, sizeof(status), &entry->status) || !(status & IPS_DST_NAT))
		return;
	if (bpf_core_read(&asked_port, sizeof(asked_port), &entry->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u.all) ||
	    bpf_core_read(asked_addr, sizeof(asked_addr), &entry->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3))
		return;
	if (key->family == AF_INET)
		__builtin_memcpy(key->peer_addr, asked_addr, 4);
	else
		__builtin_memcpy(key->peer_addr, asked_addr, 16);
	key->peer_port = bpf_ntohs(asked_port);
}
#endif

/*
 * A UDP send runs the whole way down to this hook in the sending task, so the current task is
 * the socket's user there; a receive runs in softirq, where it is whichever task was interrupted.
 */
static __always_inline void note_sender(struct udp_flow_counters *counters)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	counters->pid = pid_tgid >> 32;
	counters->uid = (__u32)bpf_get_current_uid_gid();
	counters->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(counters->comm, sizeof(counters->comm));
	counters->owner_known = 1;
}

/*
 * The socket's network namespace, as /proc/PID/ns/net names it: sock_diag reports it only for a
 * socket that existed when its pass began, and what is asked about a flow (conntrack, in that
 * namespace) must not wait for a pass that a quiet flow never gets counters moved for.
 */
static __always_inline __u32 socket_netns(struct __sk_buff *skb)
{
#ifndef UDP_FLOWS_BEFORE_6_2
	struct sk_buff *kernel_skb = bpf_cast_to_kern_ctx(skb);

	return BPF_CORE_READ(kernel_skb, sk, __sk_common.skc_net.net, ns.inum);
#else
	return 0;
#endif
}

/* A flow's first datagram: its entry, with the socket's connected state, namespace and, on a send, its sender. */
static __always_inline struct udp_flow_counters *add_flow(struct __sk_buff *skb, struct udp_flow_key *key,
							  struct udp_flow_counters *fresh, struct bpf_sock *sk, bool egress,
							  __u64 now)
{
	long error;

	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return NULL;
	fresh->netns_ino = socket_netns(skb);
	fresh->first_ns = now;
	fresh->last_ns = now;
	fresh->connected = sk->state == BPF_TCP_ESTABLISHED;
	if (egress)
		note_sender(fresh);
	error = bpf_map_update_elem(&udp_flows, key, fresh, BPF_NOEXIST);
	/* -EEXIST: the same flow's packet on another CPU added it first; use that one. */
	if (error && error != -EEXIST) {
		__u32 zero = 0;
		__u64 *refused = bpf_map_lookup_elem(&udp_flows_refused, &zero);

		if (refused)
			__sync_fetch_and_add(refused, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&udp_flows, key);
}

static __always_inline void count_udp(struct __sk_buff *skb, bool egress)
{
	struct udp_flow_key key;
	struct udp_flow_counters fresh;
	struct udp_flow_counters *counters;
	struct bpf_sock *sk = skb->sk;
	__u64 payload_bytes, packets, now;

	if (!sk)
		return;
	__builtin_memset(&key, 0, sizeof(key));
	__builtin_memset(&fresh, 0, sizeof(fresh));
	if (!read_flow(skb, egress, &key, &fresh, &payload_bytes))
		return;
#ifndef UDP_FLOWS_BEFORE_6_2
	if (egress)
		key_by_asked_destination(skb, &key);
#endif
	key.sock_cookie = bpf_get_socket_cookie(skb);
	now = bpf_ktime_get_ns();
	/* Nearly every datagram belongs to a flow already in the map: one lookup, no other helper. */
	counters = bpf_map_lookup_elem(&udp_flows, &key);
	if (!counters)
		counters = add_flow(skb, &key, &fresh, sk, egress, now);
	if (!counters)
		return;
	packets = skb->gso_segs > 1 ? skb->gso_segs : 1;
	if (egress) {
		__sync_fetch_and_add(&counters->bytes_sent, payload_bytes);
		__sync_fetch_and_add(&counters->packets_sent, packets);
		/* A flow a datagram from its peer began: its first send names the owner. */
		if (!counters->owner_known)
			note_sender(counters);
	} else {
		__sync_fetch_and_add(&counters->bytes_received, payload_bytes);
		__sync_fetch_and_add(&counters->packets_received, packets);
	}
	if (now > counters->last_ns)
		counters->last_ns = now;
}

SEC("cgroup_skb/ingress")
int netscope_udp_rx(struct __sk_buff *skb)
{
	if (ip_protocol(skb) == IPPROTO_UDP)
		count_udp(skb, false);
	return PASS;
}

SEC("cgroup_skb/egress")
int netscope_udp_tx(struct __sk_buff *skb)
{
	if (ip_protocol(skb) == IPPROTO_UDP)
		count_udp(skb, true);
	return PASS;
}
