/* SPDX-License-Identifier: MIT */
/*
 * The UDP flow counters bpf/udp_flows.bpf.c keeps in its `udp_flows` hash map, which user space
 * reads (key then value, back to back) each tick. Keep aligned with src/probes/udp-flows.ts
 * (test/probes/record-layout.test.ts checks the offsets there against these structs in the
 * compiled object's BTF).
 *
 * Fixed-width types only, units in names, ports in host byte order, addresses as 16 bytes
 * (IPv4 in the first 4) plus a family byte, explicit padding.
 */
#ifndef NETSCOPE_UDP_FLOWS_H
#define NETSCOPE_UDP_FLOWS_H

/* One flow: a socket and the peer it exchanged datagrams with. Zeroed before use (padding is compared). */
struct udp_flow_key {
	__u64 sock_cookie;
	__u8 peer_addr[16];
	__u16 peer_port;
	__u8 family;          /* AF_INET (2) or AF_INET6 (10) */
	__u8 _pad0[5];
};

struct udp_flow_counters {
	__u64 bytes_sent;     /* UDP payload: IP and UDP headers not counted */
	__u64 bytes_received;
	__u64 packets_sent;   /* datagrams (a GSO/GRO packet counts its segments) */
	__u64 packets_received;
	__u64 first_ns;       /* bpf_ktime_get_ns() of the flow's first datagram: CLOCK_MONOTONIC */
	__u64 last_ns;        /* ... and of its latest */
	__u64 cgroup_id;      /* sender's cgroup v2 id, valid when owner_known */
	__u32 pid;            /* sender's tgid, valid when owner_known */
	__u32 uid;            /* sender's uid, valid when owner_known */
	__u8 local_addr[16];
	__u16 local_port;
	__u8 connected;       /* the socket was connect()ed when the flow began */
	__u8 owner_known;     /* set by the flow's first datagram sent: UDP sends run in the sender's task */
	char comm[16];        /* sender's comm, valid when owner_known */
	__u32 netns_ino;      /* the socket's network namespace inode, read at the flow's first datagram; 0 if unread */
};

#ifdef __cplusplus
static_assert(sizeof(struct udp_flow_key) == 32, "keep aligned with src/probes/udp-flows.ts");
static_assert(sizeof(struct udp_flow_counters) == 104, "keep aligned with src/probes/udp-flows.ts");
#else
_Static_assert(sizeof(struct udp_flow_key) == 32, "keep aligned with src/probes/udp-flows.ts");
_Static_assert(sizeof(struct udp_flow_counters) == 104, "keep aligned with src/probes/udp-flows.ts");
#endif

#endif
