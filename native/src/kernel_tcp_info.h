// struct tcp_info as the running kernel may send it, through tcpi_rcv_wnd (Linux 6.x). The
// installed uapi header can be older and end before the fields netscope reads, so the addon
// keeps its own copy of the layout; the kernel only ever appends to it, and each sample says
// how many bytes came, so a field past that length is unknown, never garbage.
#pragma once
#include <linux/tcp.h>
#include <linux/types.h>

#include <cstddef>

struct kernel_tcp_info {
  __u8 tcpi_state;
  __u8 tcpi_ca_state;
  __u8 tcpi_retransmits;
  __u8 tcpi_probes;
  __u8 tcpi_backoff;
  __u8 tcpi_options;
  __u8 tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;
  __u8 tcpi_delivery_rate_app_limited : 1, tcpi_fastopen_client_fail : 2;

  __u32 tcpi_rto;
  __u32 tcpi_ato;
  __u32 tcpi_snd_mss;
  __u32 tcpi_rcv_mss;

  __u32 tcpi_unacked;
  __u32 tcpi_sacked;
  __u32 tcpi_lost;
  __u32 tcpi_retrans;
  __u32 tcpi_fackets;

  __u32 tcpi_last_data_sent;
  __u32 tcpi_last_ack_sent;
  __u32 tcpi_last_data_recv;
  __u32 tcpi_last_ack_recv;

  __u32 tcpi_pmtu;
  __u32 tcpi_rcv_ssthresh;
  __u32 tcpi_rtt;
  __u32 tcpi_rttvar;
  __u32 tcpi_snd_ssthresh;
  __u32 tcpi_snd_cwnd;
  __u32 tcpi_advmss;
  __u32 tcpi_reordering;

  __u32 tcpi_rcv_rtt;
  __u32 tcpi_rcv_space;

  __u32 tcpi_total_retrans;

  __u64 tcpi_pacing_rate;
  __u64 tcpi_max_pacing_rate;
  __u64 tcpi_bytes_acked;
  __u64 tcpi_bytes_received;
  __u32 tcpi_segs_out;
  __u32 tcpi_segs_in;

  __u32 tcpi_notsent_bytes;
  __u32 tcpi_min_rtt;
  __u32 tcpi_data_segs_in;
  __u32 tcpi_data_segs_out;

  __u64 tcpi_delivery_rate;

  // Microseconds, counted in jiffies (tcp_get_info_chrono_stats multiplies by USEC_PER_SEC / HZ).
  __u64 tcpi_busy_time;
  __u64 tcpi_rwnd_limited;
  __u64 tcpi_sndbuf_limited;

  __u32 tcpi_delivered;
  __u32 tcpi_delivered_ce;

  __u64 tcpi_bytes_sent;
  __u64 tcpi_bytes_retrans;
  __u32 tcpi_dsack_dups;
  __u32 tcpi_reord_seen;

  __u32 tcpi_rcv_ooopack;

  __u32 tcpi_snd_wnd;
  __u32 tcpi_rcv_wnd;  // newer kernels only (6.18 sends it); not in older uapi headers
};

// The fields the installed header has sit where this copy says.
static_assert(offsetof(kernel_tcp_info, tcpi_bytes_acked) == offsetof(tcp_info, tcpi_bytes_acked), "tcp_info layout");
static_assert(offsetof(kernel_tcp_info, tcpi_busy_time) == offsetof(tcp_info, tcpi_busy_time), "tcp_info layout");
static_assert(offsetof(kernel_tcp_info, tcpi_snd_wnd) == offsetof(tcp_info, tcpi_snd_wnd), "tcp_info layout");
static_assert(offsetof(kernel_tcp_info, tcpi_rcv_wnd) == 232, "tcpi_rcv_wnd follows tcpi_snd_wnd");

// The length a tcp_info must have to hold `field`.
#define KERNEL_TCP_INFO_END(field) (offsetof(kernel_tcp_info, field) + sizeof(kernel_tcp_info::field))
