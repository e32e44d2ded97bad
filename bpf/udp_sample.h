/* SPDX-License-Identifier: MIT */
/*
 * One UDP socket as native/sock_diag.cc reads it through sock_diag (INET_DIAG_SKMEMINFO), written
 * into the caller's Buffer. Keep aligned with src/probes/udp-samples.ts.
 *
 * The same conventions as tcp_sample.h: fixed-width types, host-order ports, 16-byte addresses.
 */
#ifndef NETSCOPE_UDP_SAMPLE_H
#define NETSCOPE_UDP_SAMPLE_H

struct udp_sample {
	__u64 sock_cookie;
	__u32 inode;          /* socket inode: links the socket to the fd that holds it */
	__u32 uid;
	__u32 rqueue;         /* bytes of datagrams received but not yet read */
	__u32 drops;          /* SK_MEMINFO_DROPS: datagrams dropped, mostly for a full receive buffer */
	__u8 saddr[16];
	__u8 daddr[16];       /* all zero for an unconnected socket */
	__u16 sport;
	__u16 dport;          /* 0 for an unconnected socket */
	__u8 family;          /* AF_INET (2) or AF_INET6 (10) */
	__u8 state;           /* 1 (TCP_ESTABLISHED): connected; 7 (TCP_CLOSE): unconnected */
	__u8 has_meminfo;     /* drops came with the socket */
	__u8 _pad0;
};

#ifdef __cplusplus
static_assert(sizeof(struct udp_sample) == 64, "keep aligned with src/probes/udp-samples.ts");
#else
_Static_assert(sizeof(struct udp_sample) == 64, "keep aligned with src/probes/udp-samples.ts");
#endif

#endif
