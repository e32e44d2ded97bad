// Samples every TCP socket of one network namespace through sock_diag (INET_DIAG_INFO):
// the kernel's own per-socket counters, without hooking the data path; and every UDP socket
// (INET_DIAG_SKMEMINFO: its receive queue and drops).
#pragma once
#include <napi.h>

// openNetnsDiagSocket(nsPath | null) → fd of a NETLINK_SOCK_DIAG socket living in that netns.
Napi::Value OpenNetnsDiagSocket(const Napi::CallbackInfo& info);
// startTcpDump(fd, withTimeWait): asks the kernel for every TCP socket of fd's namespace.
void StartTcpDump(const Napi::CallbackInfo& info);
// readTcpDump(fd, buffer) → {count, done}: the dump's next struct tcp_sample records, as many
// as the Buffer is sure to hold (at least 372 records' room); done once the dump has ended.
// The rest of a dump waits in the kernel, so a host's sockets never need one Buffer together.
Napi::Value ReadTcpDump(const Napi::CallbackInfo& info);
// sampleUdpSockets(fd, buffer) → {count, needed}: struct udp_sample records written.
Napi::Value SampleUdpSockets(const Napi::CallbackInfo& info);
// closeFd(fd)
void CloseFd(const Napi::CallbackInfo& info);
