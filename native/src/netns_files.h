// Reads small files as a task inside another network namespace sees them: the net.* sysctls
// under /proc/sys answer for the namespace of the task that opens them, whatever /proc mount
// the path goes through.
#pragma once
#include <napi.h>

// readFilesInNetns(nsPath | null, paths[]) → (string | null)[]: each file's text, null when it
// cannot be read (absent, e.g. no conntrack). Only the calling thread enters the namespace, and
// it comes straight back.
Napi::Value ReadFilesInNetns(const Napi::CallbackInfo& info);
