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
	/*
	 * What limits the socket's sending (tcp_info's chrono stats and windows). The times are
	 * microseconds since the socket's birth, counted by the kernel in jiffies (HZ=250: 4 ms).
	 * busy_time_us includes rwnd_limited_us and sndbuf_limited_us.
	 */
	__u64 busy_time_us;
	__u64 rwnd_limited_us;
	__u64 sndbuf_limited_us;
	__u64 delivery_rate_bps;   /* bytes per second, most recent delivery-rate sample */
	__u32 notsent_bytes;       /* written by the application, not yet sent */
	__u32 snd_cwnd;            /* congestion window, segments */
	__u32 snd_ssthresh;        /* slow-start threshold, segments (0x7fffffff: none yet) */
	__u32 snd_wnd;             /* the peer's advertised window, bytes */
	__u32 rcv_wnd;             /* the window we advertise, bytes */
	__u8 probes;               /* tcpi_probes: unanswered zero-window or keepalive probes */
	__u8 timer;                /* idiag_timer: 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 zero-window probe */
	__u8 limit_fields;         /* TCP_SAMPLE_HAS_* below: which of the fields above the kernel sent */
	__u8 _pad1;
	__u32 sk_drops;            /* SK_MEMINFO_DROPS: packets the kernel dropped at this socket (a listener: connections it could not take) */
	__u32 _pad2;
};

/* limit_fields: a shorter tcp_info (an older kernel) leaves a field out; it reads as unknown. */
#define TCP_SAMPLE_HAS_CHRONO 0x01        /* busy, rwnd- and sndbuf-limited times, delivery rate, notsent */
#define TCP_SAMPLE_HAS_SND_WND 0x02
#define TCP_SAMPLE_HAS_RCV_WND 0x04
#define TCP_SAMPLE_APP_LIMITED 0x08       /* tcpi_delivery_rate_app_limited */

#ifdef __cplusplus
static_assert(sizeof(struct tcp_sample) == 160, "keep aligned with src/probes/tcp-samples.ts");
#else
_Static_assert(sizeof(struct tcp_sample) == 160, "keep aligned with src/probes/tcp-samples.ts");
#endif

#endif
