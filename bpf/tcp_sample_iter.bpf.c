// SPDX-License-Identifier: GPL-2.0
/*
 * A candidate sampler that netscope does not load: a BPF iterator over the TCP sockets of one
 * network namespace, writing each socket as the same struct tcp_sample that sock_diag's pass
 * fills (so one decoder reads both). bench/sampler-cost.ts measures it against sock_diag.
 *
 * Built twice: every socket, and with -DONLY_CHANGED only the sockets whose counters or state
 * moved since the walk before, compared in socket-local storage (the "sample only what can have
 * changed" lever). The iterator has no tcp_get_info: the counters and the limit fields are read
 * from tcp_sock here, the chrono times in jiffies as the kernel keeps them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "tcp_sample.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define TCP_SYN_RECV 3
#define TCP_TIME_WAIT 6
#define TCP_LISTEN 10
#define TCP_NEW_SYN_RECV 12
#define USEC_PER_JIFFY (1000000 / 250)

#ifdef ONLY_CHANGED
struct last_walk {
	__u64 bytes_acked;
	__u64 bytes_received;
	__u32 segs_out;
	__u32 segs_in;
	__u32 total_retrans;
	__u32 srtt_us;
	__u32 state;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct last_walk);
} last_walks SEC(".maps");

/* True when the socket's counters and state are those the walk before wrote (then remembers these). */
static __always_inline bool unchanged_since_last_walk(struct tcp_sock *tp, const struct tcp_sample *sample)
{
	struct last_walk *last = bpf_sk_storage_get(&last_walks, (struct sock *)tp, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!last)
		return false;
	if (last->bytes_acked == sample->bytes_acked && last->bytes_received == sample->bytes_received &&
	    last->segs_out == sample->segs_out && last->segs_in == sample->segs_in &&
	    last->total_retrans == sample->total_retrans && last->srtt_us == sample->srtt_us &&
	    last->state == sample->state + 1)
		return true;
	last->bytes_acked = sample->bytes_acked;
	last->bytes_received = sample->bytes_received;
	last->segs_out = sample->segs_out;
	last->segs_in = sample->segs_in;
	last->total_retrans = sample->total_retrans;
	last->srtt_us = sample->srtt_us;
	/* + 1: a new storage is zeros, which must not match a socket in state 0 */
	last->state = sample->state + 1;
	return false;
}
#endif

static __always_inline void read_counters(struct tcp_sock *tp, struct tcp_sample *sample)
{
	struct inet_connection_sock *icsk = &tp->inet_conn;
	struct sock *sk = &icsk->icsk_inet.sk;
	struct socket *socket = sk->sk_socket;

	sample->bytes_acked = tp->bytes_acked;
	sample->bytes_received = tp->bytes_received;
	sample->segs_out = tp->segs_out;
	sample->segs_in = tp->segs_in;
	sample->total_retrans = tp->total_retrans;
	sample->srtt_us = tp->srtt_us >> 3;
	if (socket && socket->file)
		sample->inode = socket->file->f_inode->i_ino;
	if (sample->state == TCP_LISTEN) {
		sample->rqueue = sk->sk_ack_backlog;
		sample->wqueue = sk->sk_max_ack_backlog;
	} else {
		sample->rqueue = tp->rcv_nxt - tp->copied_seq;
		sample->wqueue = tp->write_seq - tp->snd_una;
	}
	sample->busy_time_us = (__u64)(tp->chrono_stat[0] + tp->chrono_stat[1] + tp->chrono_stat[2]) * USEC_PER_JIFFY;
	sample->rwnd_limited_us = (__u64)tp->chrono_stat[1] * USEC_PER_JIFFY;
	sample->sndbuf_limited_us = (__u64)tp->chrono_stat[2] * USEC_PER_JIFFY;
	if (tp->rate_interval_us)
		sample->delivery_rate_bps = (__u64)tp->rate_delivered * tp->mss_cache * 1000000 / tp->rate_interval_us;
	sample->notsent_bytes = tp->write_seq - tp->snd_nxt;
	sample->snd_cwnd = tp->snd_cwnd;
	sample->snd_ssthresh = tp->snd_ssthresh;
	sample->snd_wnd = tp->snd_wnd;
	sample->rcv_wnd = tp->rcv_wnd;
	sample->probes = icsk->icsk_probes_out;
	sample->sk_drops = sk->sk_drops.counter;
	sample->limit_fields = TCP_SAMPLE_HAS_CHRONO | TCP_SAMPLE_HAS_SND_WND | TCP_SAMPLE_HAS_RCV_WND;
	if (tp->rate_app_limited)
		sample->limit_fields |= TCP_SAMPLE_APP_LIMITED;
	sample->has_info = 1;
}

SEC("iter/tcp")
int sample_tcp_sockets(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sample sample = {};
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	sample.state = skc->skc_state;
	if (sample.state == TCP_SYN_RECV || sample.state == TCP_NEW_SYN_RECV)
		return 0;
	sample.sock_cookie = bpf_get_socket_cookie(skc);
	sample.family = skc->skc_family;
	sample.sport = skc->skc_num;
	sample.dport = bpf_ntohs(skc->skc_dport);
	sample.uid = ctx->uid;
	if (sample.family == AF_INET) {
		__builtin_memcpy(sample.saddr, &skc->skc_rcv_saddr, 4);
		__builtin_memcpy(sample.daddr, &skc->skc_daddr, 4);
	} else {
		__builtin_memcpy(sample.saddr, &skc->skc_v6_rcv_saddr, 16);
		__builtin_memcpy(sample.daddr, &skc->skc_v6_daddr, 16);
	}
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp)
		read_counters(tp, &sample);
#ifdef ONLY_CHANGED
	/* a timewait minisock has no storage and never changes: left out, as a pass leaves them when they are many */
	if (!tp || unchanged_since_last_walk(tp, &sample))
		return 0;
#endif
	bpf_seq_write(ctx->meta->seq, &sample, sizeof(sample));
	return 0;
}
