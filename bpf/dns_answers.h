/* SPDX-License-Identifier: MIT */
/*
 * The record bpf/dns_answers.bpf.c hands user space: the first bytes of one DNS response
 * (UDP from port 53) as it reached a local socket. Keep aligned with src/probes/dns-answers.ts
 * (test/probes/dns-answer-layout.test.ts checks the offsets there against this struct in the
 * compiled object's BTF).
 */
#ifndef NETSCOPE_DNS_ANSWERS_H
#define NETSCOPE_DNS_ANSWERS_H

/* A classic DNS message over UDP fits 512 bytes; longer (EDNS0) answers are cut here. */
#define DNS_ANSWER_MAX_PAYLOAD 512

struct dns_answer {
	__u64 ts_ns;          /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 sock_cookie;    /* the receiving socket's cookie, 0 when there was none */
	__u64 cgroup_id;      /* the receiving socket's cgroup v2 id, 0 when unknown */
	__u32 netns_ino;      /* the receiving socket's network namespace inode, 0 when unknown */
	__u16 payload_bytes;  /* bytes of payload[] filled */
	__u16 udp_payload_bytes; /* the whole UDP payload's length (more than payload_bytes when cut) */
	__u8 family;          /* AF_INET (2) or AF_INET6 (10) */
	__u8 _pad0[3];
	__u8 server[16];      /* the answering server's address (IPv4 in the first 4 bytes) */
	__u8 payload[DNS_ANSWER_MAX_PAYLOAD];
	__u8 _pad1[4];
};

#ifdef __cplusplus
static_assert(sizeof(struct dns_answer) == 568, "keep aligned with src/probes/dns-answers.ts");
#else
_Static_assert(sizeof(struct dns_answer) == 568, "keep aligned with src/probes/dns-answers.ts");
#endif

#endif
