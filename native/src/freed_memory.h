// Memory the process freed but glibc still holds. V8's worker threads (concurrent marking,
// sweeping, optimizing compiles) allocate through malloc in arenas of their own, and glibc returns
// an arena's free pages to the kernel only from its top: what a collection's worklists left in
// the middle stays resident until malloc_trim walks every arena.
#pragma once
#include <napi.h>

// releaseFreedMemory() → whether malloc_trim gave any pages back.
Napi::Value ReleaseFreedMemory(const Napi::CallbackInfo& info);
