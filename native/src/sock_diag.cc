#include "sock_diag.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <unordered_map>

#include "kernel_tcp_info.h"
#include "native_error.h"
#include "owned_fd.h"
#include "tcp_sample.h"
#include "udp_sample.h"

namespace {

// NEW_SYN_RECV request minisocks are never a connection. SYN_RECV goes too: asking for it
// makes the kernel add the request minisocks, reported as SYN_RECV under a cookie of their own
// that no connection will ever carry; a full socket is in SYN_RECV only for the round trip of
// a Fast Open handshake. TIME_WAIT stays: timewait minisocks keep the closed socket's cookie
// and come as a shorter record — no tcp_info, no inode or uid — in state TIME_WAIT, or
// FIN_WAIT2 for an orphan the kernel keeps as a timewait sock.
constexpr uint32_t kTcpSynRecv = 3;
constexpr uint32_t kTcpNewSynRecv = 12;
constexpr uint32_t kSampledStates = ~((1u << kTcpSynRecv) | (1u << kTcpNewSynRecv));
// A pass may leave out the timewait minisocks in TIME_WAIT: churn leaves them by the hundred
// thousand, none ever changes, and user space asks for them less often when they are that many.
constexpr uint32_t kTcpTimeWait = 6;
constexpr uint32_t kSampledStatesButTimeWait = kSampledStates & ~(1u << kTcpTimeWait);

int OpenDiagSocket() { return socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG); }

template <typename Request>
bool SendRequest(int fd, uint16_t type, const Request& request) {
  struct {
    struct nlmsghdr header;
    Request request;
  } message{};
  message.header.nlmsg_len = sizeof(message);
  message.header.nlmsg_type = type;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.request = request;
  struct sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  return sendto(fd, &message, sizeof(message), 0, reinterpret_cast<struct sockaddr*>(&kernel),
                sizeof(kernel)) == static_cast<ssize_t>(sizeof(message));
}

// The original TCPDIAG_GETSOCK request dumps both families in one walk of the socket hash
// (the kernel asks for AF_UNSPEC on its behalf); SOCK_DIAG_BY_FAMILY takes one family at a
// time, so both families cost two walks — over every TIME_WAIT socket too, which churn leaves
// by the tens of thousands.
// tcp_info for the counters; the memory info for sk_drops, which for a listener counts the
// connections the kernel could not take (accept queue overflows, SYNs dropped).
constexpr uint8_t kRequestedExtensions = (1 << (INET_DIAG_INFO - 1)) | (1 << (INET_DIAG_SKMEMINFO - 1));

bool SendBothFamiliesDumpRequest(int fd, uint32_t states) {
  struct inet_diag_req request{};
  request.idiag_family = AF_INET;
  request.idiag_states = states;
  request.idiag_ext = kRequestedExtensions;
  return SendRequest(fd, TCPDIAG_GETSOCK, request);
}

bool SendDumpRequest(int fd, uint8_t family, uint32_t states) {
  struct inet_diag_req_v2 request{};
  request.sdiag_family = family;
  request.sdiag_protocol = IPPROTO_TCP;
  request.idiag_states = states;
  request.idiag_ext = kRequestedExtensions;
  return SendRequest(fd, SOCK_DIAG_BY_FAMILY, request);
}

void FillLimits(struct tcp_sample* sample, const struct kernel_tcp_info& info, size_t info_length) {
  sample->snd_cwnd = info.tcpi_snd_cwnd;
  sample->snd_ssthresh = info.tcpi_snd_ssthresh;
  sample->probes = info.tcpi_probes;
  if (info_length >= KERNEL_TCP_INFO_END(tcpi_sndbuf_limited)) {
    sample->busy_time_us = info.tcpi_busy_time;
    sample->rwnd_limited_us = info.tcpi_rwnd_limited;
    sample->sndbuf_limited_us = info.tcpi_sndbuf_limited;
    sample->delivery_rate_bps = info.tcpi_delivery_rate;
    sample->notsent_bytes = info.tcpi_notsent_bytes;
    sample->limit_fields |= TCP_SAMPLE_HAS_CHRONO;
    if (info.tcpi_delivery_rate_app_limited) sample->limit_fields |= TCP_SAMPLE_APP_LIMITED;
  }
  if (info_length >= KERNEL_TCP_INFO_END(tcpi_snd_wnd)) {
    sample->snd_wnd = info.tcpi_snd_wnd;
    sample->limit_fields |= TCP_SAMPLE_HAS_SND_WND;
  }
  if (info_length >= KERNEL_TCP_INFO_END(tcpi_rcv_wnd)) {
    sample->rcv_wnd = info.tcpi_rcv_wnd;
    sample->limit_fields |= TCP_SAMPLE_HAS_RCV_WND;
  }
}

void FillSample(struct tcp_sample* sample, const struct inet_diag_msg* message, size_t length) {
  std::memset(sample, 0, sizeof(*sample));
  sample->sock_cookie = static_cast<__u64>(message->id.idiag_cookie[0]) |
                        (static_cast<__u64>(message->id.idiag_cookie[1]) << 32);
  sample->inode = message->idiag_inode;
  sample->uid = message->idiag_uid;
  sample->rqueue = message->idiag_rqueue;
  sample->wqueue = message->idiag_wqueue;
  sample->family = message->idiag_family;
  sample->state = message->idiag_state;
  sample->timer = message->idiag_timer;
  sample->sport = ntohs(message->id.idiag_sport);
  sample->dport = ntohs(message->id.idiag_dport);
  std::memcpy(sample->saddr, message->id.idiag_src, 16);
  std::memcpy(sample->daddr, message->id.idiag_dst, 16);

  const struct rtattr* attribute = reinterpret_cast<const struct rtattr*>(message + 1);
  int remaining = static_cast<int>(length - NLMSG_ALIGN(sizeof(*message)));
  for (; RTA_OK(attribute, remaining); attribute = RTA_NEXT(attribute, remaining)) {
    if (attribute->rta_type == INET_DIAG_SKMEMINFO) {
      if (RTA_PAYLOAD(attribute) >= (SK_MEMINFO_DROPS + 1) * sizeof(__u32)) {
        sample->sk_drops = static_cast<const __u32*>(RTA_DATA(attribute))[SK_MEMINFO_DROPS];
      }
      continue;
    }
    if (attribute->rta_type != INET_DIAG_INFO) continue;
    // Older kernels send a shorter tcp_info: copy what came, the rest stays zero and is
    // marked unknown below.
    struct kernel_tcp_info info{};
    size_t info_length = RTA_PAYLOAD(attribute);
    std::memcpy(&info, RTA_DATA(attribute), info_length < sizeof(info) ? info_length : sizeof(info));
    sample->bytes_acked = info.tcpi_bytes_acked;
    sample->bytes_received = info.tcpi_bytes_received;
    sample->segs_out = info.tcpi_segs_out;
    sample->segs_in = info.tcpi_segs_in;
    sample->total_retrans = info.tcpi_total_retrans;
    sample->srtt_us = info.tcpi_rtt;
    sample->has_info = 1;
    FillLimits(sample, info, info_length);
  }
}

// Every UDP socket, in every state: connected ones report TCP_ESTABLISHED, the rest TCP_CLOSE.
bool SendUdpDumpRequest(int fd, uint8_t family) {
  struct inet_diag_req_v2 request{};
  request.sdiag_family = family;
  request.sdiag_protocol = IPPROTO_UDP;
  request.idiag_states = ~0u;
  request.idiag_ext = 1 << (INET_DIAG_SKMEMINFO - 1);
  return SendRequest(fd, SOCK_DIAG_BY_FAMILY, request);
}

void FillUdpSample(struct udp_sample* sample, const struct inet_diag_msg* message, size_t length) {
  std::memset(sample, 0, sizeof(*sample));
  sample->sock_cookie = static_cast<__u64>(message->id.idiag_cookie[0]) |
                        (static_cast<__u64>(message->id.idiag_cookie[1]) << 32);
  sample->inode = message->idiag_inode;
  sample->uid = message->idiag_uid;
  sample->rqueue = message->idiag_rqueue;
  sample->family = message->idiag_family;
  sample->state = message->idiag_state;
  sample->sport = ntohs(message->id.idiag_sport);
  sample->dport = ntohs(message->id.idiag_dport);
  std::memcpy(sample->saddr, message->id.idiag_src, 16);
  std::memcpy(sample->daddr, message->id.idiag_dst, 16);

  const struct rtattr* attribute = reinterpret_cast<const struct rtattr*>(message + 1);
  int remaining = static_cast<int>(length - NLMSG_ALIGN(sizeof(*message)));
  for (; RTA_OK(attribute, remaining); attribute = RTA_NEXT(attribute, remaining)) {
    if (attribute->rta_type != INET_DIAG_SKMEMINFO) continue;
    if (RTA_PAYLOAD(attribute) < (SK_MEMINFO_DROPS + 1) * sizeof(__u32)) continue;
    sample->drops = static_cast<const __u32*>(RTA_DATA(attribute))[SK_MEMINFO_DROPS];
    sample->has_meminfo = 1;
  }
}

struct SampleTarget {
  uint8_t* data;
  size_t capacity;
  uint32_t count;
  uint32_t needed;
};

constexpr size_t kRecvBytes = 32768;
// The most messages one recv can carry: each is at least a header and an inet_diag_msg.
constexpr uint32_t kMostMessagesPerRecv = kRecvBytes / NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct inet_diag_msg)));

constexpr int kDumpEnded = 1;
constexpr int kDumpPaused = 0;

// Reads a dump's records into `target`. With `pause_when_full` it stops before a recv whose
// records might not all fit — the rest of the dump waits in the socket for the next call — and
// returns kDumpPaused; otherwise it reads to the end, counting the records beyond the Buffer
// in `needed` only. kDumpEnded at the end; -errno on error.
template <typename Sample, void (*Fill)(Sample*, const struct inet_diag_msg*, size_t)>
int ReadDump(int fd, SampleTarget* target, bool pause_when_full) {
  alignas(struct nlmsghdr) char buffer[kRecvBytes];
  for (;;) {
    if (pause_when_full && target->capacity / sizeof(Sample) - target->count < kMostMessagesPerRecv) return kDumpPaused;
    ssize_t received = recv(fd, buffer, sizeof(buffer), 0);
    if (received < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    struct nlmsghdr* header = reinterpret_cast<struct nlmsghdr*>(buffer);
    int remaining = static_cast<int>(received);
    for (; NLMSG_OK(header, remaining); header = NLMSG_NEXT(header, remaining)) {
      if (header->nlmsg_type == NLMSG_DONE) return kDumpEnded;
      if (header->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr* error = static_cast<const struct nlmsgerr*>(NLMSG_DATA(header));
        return error->error ? error->error : -EIO;
      }
      if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY && header->nlmsg_type != TCPDIAG_GETSOCK) continue;
      target->needed++;
      if ((target->count + 1) * sizeof(Sample) > target->capacity) continue;
      auto* sample = reinterpret_cast<Sample*>(target->data) + target->count;
      Fill(sample, static_cast<const struct inet_diag_msg*>(NLMSG_DATA(header)), header->nlmsg_len - NLMSG_LENGTH(0));
      target->count++;
    }
  }
}

// A TCP dump being read a Buffer at a time: which request is being answered, so a kernel that
// refuses the both-families request is asked one family after the other.
enum class TcpDumpStage { kBothFamilies, kIpv4, kIpv6 };
struct TcpDump {
  uint32_t states;
  TcpDumpStage stage;
};
// By diag socket fd; a dump is forgotten when it ends, fails, or its socket is closed.
std::unordered_map<int, TcpDump> tcp_dumps;

}  // namespace

Napi::Value OpenNetnsDiagSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info[0].IsNull() || info[0].IsUndefined()) {
    int fd = OpenDiagSocket();
    if (fd < 0) throw NativeError(env, "socket NETLINK_SOCK_DIAG", errno);
    return Napi::Number::New(env, fd);
  }
  std::string path = info[0].As<Napi::String>();
  // A netlink socket stays in the namespace it was created in, so enter the namespace just
  // long enough to create it; only this thread moves, and it moves straight back.
  OwnedFd home(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (home.get() < 0) throw NativeError(env, "open /proc/thread-self/ns/net", errno);
  OwnedFd target(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (target.get() < 0) throw NativeError(env, "open " + path, errno);
  if (setns(target.get(), CLONE_NEWNET) < 0) throw NativeError(env, "setns " + path, errno);
  OwnedFd diag(OpenDiagSocket());
  int create_error = errno;
  if (setns(home.get(), CLONE_NEWNET) < 0) {
    // Staying in the wrong namespace would silently mislabel everything after this.
    throw NativeError(env, "setns back to netscope's own network namespace", errno);
  }
  if (diag.get() < 0) throw NativeError(env, "socket NETLINK_SOCK_DIAG in " + path, create_error);
  return Napi::Number::New(env, diag.release());
}

void StartTcpDump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  bool withTimeWait = info[1].ToBoolean().Value();
  uint32_t states = withTimeWait ? kSampledStates : kSampledStatesButTimeWait;
  if (tcp_dumps.erase(fd) > 0) {
    // The last dump's reader stopped before its end (an exception among its samples): what is
    // left of it would be read as this one's, so it is read to its end and dropped first.
    SampleTarget nowhere{nullptr, 0, 0, 0};
    ReadDump<struct tcp_sample, FillSample>(fd, &nowhere, false);
  }
  if (!SendBothFamiliesDumpRequest(fd, states)) throw NativeError(env, "sock_diag dump request", errno);
  tcp_dumps[fd] = TcpDump{states, TcpDumpStage::kBothFamilies};
}

Napi::Value ReadTcpDump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<uint8_t> buffer = info[1].As<Napi::Buffer<uint8_t>>();
  if (buffer.Length() / sizeof(struct tcp_sample) < kMostMessagesPerRecv) throw NativeError(env, "sock_diag dump Buffer smaller than one recv's samples", EINVAL);
  auto dump = tcp_dumps.find(fd);
  if (dump == tcp_dumps.end()) throw NativeError(env, "sock_diag dump read before it was started", EINVAL);
  SampleTarget target{buffer.Data(), buffer.Length(), 0, 0};
  int outcome;
  for (;;) {
    outcome = ReadDump<struct tcp_sample, FillSample>(fd, &target, true);
    TcpDumpStage stage = dump->second.stage;
    // A kernel built without the original interface refuses it before dumping anything.
    bool refused = stage == TcpDumpStage::kBothFamilies && (outcome == -EINVAL || outcome == -EOPNOTSUPP || outcome == -ENOENT);
    if (!refused && !(outcome == kDumpEnded && stage == TcpDumpStage::kIpv4)) break;
    uint8_t family = refused ? AF_INET : AF_INET6;
    dump->second.stage = refused ? TcpDumpStage::kIpv4 : TcpDumpStage::kIpv6;
    if (!SendDumpRequest(fd, family, dump->second.states)) {
      tcp_dumps.erase(dump);
      throw NativeError(env, "sock_diag dump request", errno);
    }
  }
  if (outcome != kDumpPaused) tcp_dumps.erase(dump);
  if (outcome < 0) throw NativeError(env, "sock_diag dump", outcome);
  Napi::Object result = Napi::Object::New(env);
  result.Set("count", target.count);
  result.Set("done", outcome == kDumpEnded);
  return result;
}

Napi::Value SampleUdpSockets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<uint8_t> buffer = info[1].As<Napi::Buffer<uint8_t>>();
  SampleTarget target{buffer.Data(), buffer.Length(), 0, 0};
  for (uint8_t family : {AF_INET, AF_INET6}) {
    if (!SendUdpDumpRequest(fd, family)) throw NativeError(env, "sock_diag UDP dump request", errno);
    int outcome = ReadDump<struct udp_sample, FillUdpSample>(fd, &target, false);
    if (outcome < 0) throw NativeError(env, "sock_diag UDP dump", outcome);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("count", target.count);
  result.Set("needed", target.needed);
  return result;
}

void CloseFd(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  tcp_dumps.erase(fd);
  close(fd);
}
