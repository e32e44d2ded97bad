// SPDX-License-Identifier: GPL-2.0
/*
 * DNS answers as local sockets receive them: a cgroup_skb ingress program on the root cgroup
 * v2, so every socket of every network namespace passes through it. It never drops anything
 * (always returns 1); anything but UDP from port 53 leaves after two loads, and a DNS response
 * is copied (at most DNS_ANSWER_MAX_PAYLOAD bytes) into its own ring buffer for user space to
 * parse. TCP payload stays untouched.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "dns_answers.h"
#include "lost_events.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_UDP_NUMBER 17
#define UDP_HEADER_BYTES 8
#define IPV6_HEADER_BYTES 40
#define DNS_PORT 53
#define PASS 1

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* user space resizes this before load */
	__uint(max_entries, 1024 * 1024);
} events SEC(".maps");

/* Puts struct dns_answer into the object's BTF, where tests read its layout. */
const struct dns_answer *dns_answer_layout __attribute__((unused));

/*
 * The receiving socket's network namespace. The verifier allows no offset on the context's
 * bpf_sock pointer, so its bits are copied out as a plain number and the kernel socket behind
 * it is read as untrusted memory (CO-RE, like a tracing program would).
 */
static __always_inline __u32 netns_of(struct __sk_buff *skb)
{
	struct bpf_sock *view = skb->sk;
	if (!view)
		return 0;
	__u64 address = 0;
	if (bpf_probe_read_kernel(&address, sizeof(address), &view) || !address)
		return 0;
	struct sock *sk = (struct sock *)address;
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

SEC("cgroup_skb/ingress")
int handle_dns_answer(struct __sk_buff *skb)
{
	__u32 udp_offset;
	__u8 family;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		__u8 version_ihl, protocol;
		if (bpf_skb_load_bytes(skb, 9, &protocol, 1) || protocol != IPPROTO_UDP_NUMBER)
			return PASS;
		if (bpf_skb_load_bytes(skb, 0, &version_ihl, 1))
			return PASS;
		udp_offset = (version_ihl & 0x0f) * 4;
		family = AF_INET;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		__u8 next_header;
		/* Extension headers before UDP are rare on DNS answers; those are skipped. */
		if (bpf_skb_load_bytes(skb, 6, &next_header, 1) || next_header != IPPROTO_UDP_NUMBER)
			return PASS;
		udp_offset = IPV6_HEADER_BYTES;
		family = AF_INET6;
	} else {
		return PASS;
	}

	__be16 ports[2];
	if (bpf_skb_load_bytes(skb, udp_offset, ports, sizeof(ports)) || ports[0] != bpf_htons(DNS_PORT))
		return PASS;

	__u32 payload_offset = udp_offset + UDP_HEADER_BYTES;
	if (skb->len <= payload_offset)
		return PASS;
	__u32 udp_payload_bytes = skb->len - payload_offset;
	__u32 copy = udp_payload_bytes;
	if (copy > DNS_ANSWER_MAX_PAYLOAD)
		copy = DNS_ANSWER_MAX_PAYLOAD;

	struct dns_answer *answer = bpf_ringbuf_reserve(&events, sizeof(*answer), 0);
	if (!answer) {
		count_lost_event();
		return PASS;
	}
	answer->ts_ns = bpf_ktime_get_ns();
	answer->sock_cookie = bpf_get_socket_cookie(skb);
	answer->cgroup_id = bpf_skb_cgroup_id(skb);
	answer->netns_ino = netns_of(skb);
	answer->udp_payload_bytes = udp_payload_bytes > 0xffff ? 0xffff : udp_payload_bytes;
	answer->family = family;
	__builtin_memset(answer->_pad0, 0, sizeof(answer->_pad0));
	__builtin_memset(answer->server, 0, sizeof(answer->server));
	__builtin_memset(answer->_pad1, 0, sizeof(answer->_pad1));
	if (family == AF_INET)
		bpf_skb_load_bytes(skb, 12, answer->server, 4);
	else
		bpf_skb_load_bytes(skb, 8, answer->server, 16);
	/* The verifier wants a length it can bound (1..DNS_ANSWER_MAX_PAYLOAD) in the register it is passed in. */
	__u64 length = copy;
	barrier_var(length);
	if (length == 0 || length > DNS_ANSWER_MAX_PAYLOAD ||
	    bpf_skb_load_bytes(skb, payload_offset, answer->payload, length)) {
		bpf_ringbuf_discard(answer, 0);
		return PASS;
	}
	answer->payload_bytes = length;
	bpf_ringbuf_submit(answer, 0);
	return PASS;
}
