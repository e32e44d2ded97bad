// Samples every TCP socket of one network namespace through sock_diag (INET_DIAG_INFO):
// the kernel's own per-socket counters, without hooking the data path; and every UDP socket
// (INET_DIAG_SKMEMINFO: its receive queue and drops).
#pragma once
#include <napi.h>

// openNetnsDiagSocket(nsPath | null) → fd of a NETLINK_SOCK_DIAG socket living in that netns.
Napi::Value OpenNetnsDiagSocket(const Napi::CallbackInfo& info);
// sampleTcpSockets(fd, buffer) → {count, needed}: struct tcp_sample records written.
Napi::Value SampleTcpSockets(const Napi::CallbackInfo& info);
// sampleUdpSockets(fd, buffer) → {count, needed}: struct udp_sample records written.
Napi::Value SampleUdpSockets(const Napi::CallbackInfo& info);
// closeFd(fd)
void CloseFd(const Napi::CallbackInfo& info);
