/* SPDX-License-Identifier: MIT */
/*
 * The one record that crosses the ring buffer from bpf/tcp_events.bpf.c to user space.
 * Keep aligned with src/probes/tcp-events.ts (test/probes/record-layout.test.ts checks
 * the offsets there against this struct in the compiled object's BTF).
 *
 * Fixed-width types only, units in names, ports in host byte order, addresses as 16 bytes
 * (IPv4 in the first 4) plus a family byte, explicit padding.
 */
#ifndef NETSCOPE_TCP_EVENTS_H
#define NETSCOPE_TCP_EVENTS_H

enum tcp_event_kind {
	TCP_EVENT_STATE = 1,
	TCP_EVENT_RETRANSMIT = 2,
	TCP_EVENT_RESET_SENT = 3,
	TCP_EVENT_RESET_RECEIVED = 4,
	TCP_EVENT_DROP = 5,
};

struct tcp_event {
	__u64 ts_ns;          /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 sock_cookie;    /* 0 when the kernel had no socket for it */
	__u64 cgroup_id;      /* owner's cgroup v2 id, valid when owner_known */
	__u64 bytes_acked;    /* the socket's own counters, valid when has_counters */
	__u64 bytes_received;
	__u32 segs_out;
	__u32 segs_in;
	__u32 total_retrans;
	__u32 srtt_us;        /* smoothed RTT, microseconds (already >> 3) */
	__u32 pid;            /* owner's tgid, valid when owner_known */
	__u32 uid;            /* owner's uid, valid when owner_known */
	__u32 netns_ino;      /* network namespace inode, 0 when unknown */
	__u32 reason;         /* DROP: skb_drop_reason; RESET_SENT: sk_rst_reason */
	__u8 saddr[16];       /* local address (DROP: the packet's source) */
	__u8 daddr[16];       /* remote address (DROP: the packet's destination) */
	__u16 sport;
	__u16 dport;
	__u8 kind;            /* enum tcp_event_kind */
	__u8 family;          /* AF_INET (2) or AF_INET6 (10) */
	__u8 old_state;       /* STATE only */
	__u8 new_state;       /* STATE: new state; others: the socket's state */
	__u8 owner_known;     /* pid/uid/comm/cgroup_id are the owner's */
	__u8 has_counters;
	__u8 _pad0[2];
	char comm[16];        /* owner's comm, valid when owner_known */
	__u8 _pad1[4];
};

#ifdef __cplusplus
static_assert(sizeof(struct tcp_event) == 136, "keep aligned with src/probes/tcp-events.ts");
#else
_Static_assert(sizeof(struct tcp_event) == 136, "keep aligned with src/probes/tcp-events.ts");
#endif

#endif
