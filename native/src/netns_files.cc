#include "netns_files.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "native_error.h"
#include "owned_fd.h"

namespace {

// Sysctl files are a line or two; anything longer is not one of them.
constexpr size_t kMaxFileBytes = 4096;

bool ReadSmallFile(const std::string& path, std::string* text) {
  OwnedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) return false;
  char buffer[kMaxFileBytes];
  size_t length = 0;
  while (length < sizeof(buffer)) {
    ssize_t got = read(fd.get(), buffer + length, sizeof(buffer) - length);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return false;
    if (got == 0) break;
    length += static_cast<size_t>(got);
  }
  text->assign(buffer, length);
  return true;
}

}  // namespace

Napi::Value ReadFilesInNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array paths = info[1].As<Napi::Array>();
  std::vector<std::string> wanted;
  for (uint32_t index = 0; index < paths.Length(); index++) {
    wanted.push_back(paths.Get(index).As<Napi::String>());
  }
  std::vector<std::pair<bool, std::string>> read(wanted.size());
  if (info[0].IsNull() || info[0].IsUndefined()) {
    for (size_t index = 0; index < wanted.size(); index++) read[index].first = ReadSmallFile(wanted[index], &read[index].second);
  } else {
    std::string ns_path = info[0].As<Napi::String>();
    OwnedFd home(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (home.get() < 0) throw NativeError(env, "open /proc/thread-self/ns/net", errno);
    OwnedFd target(open(ns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (target.get() < 0) throw NativeError(env, "open " + ns_path, errno);
    if (setns(target.get(), CLONE_NEWNET) < 0) throw NativeError(env, "setns " + ns_path, errno);
    for (size_t index = 0; index < wanted.size(); index++) read[index].first = ReadSmallFile(wanted[index], &read[index].second);
    if (setns(home.get(), CLONE_NEWNET) < 0) {
      // Staying in the wrong namespace would silently mislabel everything after this.
      throw NativeError(env, "setns back to netscope's own network namespace", errno);
    }
  }
  Napi::Array result = Napi::Array::New(env, read.size());
  for (size_t index = 0; index < read.size(); index++) {
    result.Set(static_cast<uint32_t>(index), read[index].first ? Napi::Value(Napi::String::New(env, read[index].second)) : env.Null());
  }
  return result;
}
