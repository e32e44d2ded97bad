#include "conntrack.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <unordered_set>

#include "native_error.h"
#include "owned_fd.h"

namespace {

// The tick waits for the replies: a kernel that does not answer in this time costs one
// skipped batch, never a stalled screen. Replies to GET come straight from the request's
// own system call, so a healthy kernel answers in microseconds.
constexpr int kReplyTimeoutMs = 100;

int OpenNetfilterSocket() {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) return fd;
  struct timeval timeout{};
  timeout.tv_usec = kReplyTimeoutMs * 1000;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

}  // namespace

Napi::Value OpenNetnsConntrackSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info[0].IsNull() || info[0].IsUndefined()) {
    int fd = OpenNetfilterSocket();
    if (fd < 0) throw NativeError(env, "socket NETLINK_NETFILTER", errno);
    return Napi::Number::New(env, fd);
  }
  std::string path = info[0].As<Napi::String>();
  // Conntrack tables are per network namespace, and a netlink socket talks to the namespace
  // it was created in: enter it just long enough to create the socket. setns moves only the
  // calling thread, and nothing else runs on it meanwhile (no thread of our own, no callback);
  // it moves straight back, and failing to would be fatal to every later answer, so it throws.
  OwnedFd home(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (home.get() < 0) throw NativeError(env, "open /proc/thread-self/ns/net", errno);
  OwnedFd target(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (target.get() < 0) throw NativeError(env, "open " + path, errno);
  if (setns(target.get(), CLONE_NEWNET) < 0) throw NativeError(env, "setns " + path, errno);
  OwnedFd netfilter(OpenNetfilterSocket());
  int create_error = errno;
  if (setns(home.get(), CLONE_NEWNET) < 0) {
    throw NativeError(env, "setns back to netscope's own network namespace", errno);
  }
  if (netfilter.get() < 0) throw NativeError(env, "socket NETLINK_NETFILTER in " + path, create_error);
  return Napi::Number::New(env, netfilter.release());
}

// Sends every message of `request` in one datagram (the kernel handles them in order), then
// reads until each has its one answer: the entry, or an error message (ENOENT: no entry).
// Answers to requests of an earlier, timed-out round trip are told apart by sequence number
// and skipped.
Napi::Value ConntrackRoundTrip(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<uint8_t> request = info[1].As<Napi::Buffer<uint8_t>>();
  Napi::Buffer<uint8_t> reply = info[2].As<Napi::Buffer<uint8_t>>();

  std::unordered_set<uint32_t> waiting;
  {
    const struct nlmsghdr* header = reinterpret_cast<const struct nlmsghdr*>(request.Data());
    int remaining = static_cast<int>(request.Length());
    for (; NLMSG_OK(header, remaining); header = NLMSG_NEXT(header, remaining)) waiting.insert(header->nlmsg_seq);
  }
  struct sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, request.Data(), request.Length(), 0, reinterpret_cast<struct sockaddr*>(&kernel), sizeof(kernel)) !=
      static_cast<ssize_t>(request.Length())) {
    throw NativeError(env, "ctnetlink request", errno);
  }

  size_t written = 0;
  alignas(struct nlmsghdr) char buffer[16384];
  while (!waiting.empty()) {
    ssize_t received = recv(fd, buffer, sizeof(buffer), 0);
    if (received < 0) {
      if (errno == EINTR) continue;
      throw NativeError(env, "ctnetlink reply", errno);
    }
    struct nlmsghdr* header = reinterpret_cast<struct nlmsghdr*>(buffer);
    int remaining = static_cast<int>(received);
    for (; NLMSG_OK(header, remaining); header = NLMSG_NEXT(header, remaining)) {
      if (waiting.erase(header->nlmsg_seq) == 0) continue;
      if (written + header->nlmsg_len > reply.Length()) throw NativeError(env, "ctnetlink reply buffer", ENOBUFS);
      std::memcpy(reply.Data() + written, header, header->nlmsg_len);
      written += NLMSG_ALIGN(header->nlmsg_len);
    }
  }
  return Napi::Number::New(env, static_cast<double>(written));
}
