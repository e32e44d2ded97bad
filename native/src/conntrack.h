// Asks conntrack (ctnetlink, NETLINK_NETFILTER) about connections, one network namespace per
// socket. The requests are built and the replies decoded in src/probes/conntrack-messages.ts:
// this side only opens the socket where it must live and moves whole netlink messages.
#pragma once
#include <napi.h>

// openNetnsConntrackSocket(nsPath | null) → fd of a NETLINK_NETFILTER socket in that netns.
Napi::Value OpenNetnsConntrackSocket(const Napi::CallbackInfo& info);
// conntrackRoundTrip(fd, request, reply) → bytes of reply messages written into `reply`.
Napi::Value ConntrackRoundTrip(const Napi::CallbackInfo& info);
