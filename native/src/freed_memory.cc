#include "freed_memory.h"

#include <malloc.h>

Napi::Value ReleaseFreedMemory(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
}
