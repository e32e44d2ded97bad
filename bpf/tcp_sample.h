/* SPDX-License-Identifier: MIT */
/*
 * One TCP socket as native/sock_diag.cc reads it through sock_diag (INET_DIAG_INFO and
 * INET_DIAG_SKMEMINFO), written
 * into the caller's Buffer. Keep aligned with src/probes/tcp-samples.ts.
 *
 * It lives beside tcp_events.h because it is the other record that reaches user space with
 * the same conventions: fixed-width types, units in names, host-order ports, 16-byte addresses.
 */
#ifndef NETSCOPE_TCP_SAMPLE_H
#define NETSCOPE_TCP_SAMPLE_H

struct tcp_sample {
	__u64 sock_cookie;
	__u64 bytes_acked;
	__u64 bytes_received;
	__u32 segs_out;
	__u32 segs_in;
	__u32 total_retrans;
	__u32 srtt_us;        /* smoothed RTT, microseconds */
	__u32 inode;          /* socket inode: links the socket to the fd that holds it */
	__u32 uid;
	__u32 rqueue;         /* LISTEN: accept-queue length; else bytes not yet read */
	__u32 wqueue;         /* LISTEN: accept-queue limit; else bytes not yet acked */
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 family;          /* AF_INET (2) or AF_INET6 (10) */
	__u8 state;           /* kernel TCP state */
	__u8 has_info;        /* the counters above came with the socket (tcp_info) */
	__u8 _pad0;
	__u32 sk_drops;       /* SK_MEMINFO_DROPS: packets the kernel dropped at this socket (a listener: connections it could not take) */
	__u32 _pad1;
};

#ifdef __cplusplus
static_assert(sizeof(struct tcp_sample) == 104, "keep aligned with src/probes/tcp-samples.ts");
#else
_Static_assert(sizeof(struct tcp_sample) == 104, "keep aligned with src/probes/tcp-samples.ts");
#endif

#endif
