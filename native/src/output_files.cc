#include "output_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "native_error.h"
#include "owned_fd.h"

namespace {

// As the kernel's MAXSYMLINKS: more links than this on one path is a loop.
constexpr int kMaxSymlinksFollowed = 40;

// Why the walk stopped; turned into a JavaScript exception by the caller.
struct WalkFailure {
  int error_number = 0;
  std::string operation;
  std::string path;
  // Set for a refused symlink: who owns it, and who owns the directory it sits in.
  bool refused_link = false;
  uid_t link_owner = 0;
  uid_t directory_owner = 0;
};

// Components in reverse order, so the next one is at the back (a followed link's target is
// pushed on top of what remains).
void PushComponents(const std::string& path, std::vector<std::string>* pending) {
  std::vector<std::string> components;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string component = path.substr(start, end - start);
    if (!component.empty() && component != ".") components.push_back(component);
    start = end + 1;
  }
  pending->insert(pending->end(), components.rbegin(), components.rend());
}

std::string Join(const std::string& directory, const std::string& name) {
  if (directory.empty()) return name;
  if (directory == "/") return "/" + name;
  return directory + "/" + name;
}

// Others can add or replace entries here: a link in it may have been planted by any of them.
bool IsShared(const struct stat& directory) {
  if (directory.st_mode & (S_ISVTX | S_IWOTH)) return true;
  return (directory.st_mode & S_IWGRP) && directory.st_gid != 0;
}

int OpenRoot(bool absolute) {
  return open(absolute ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

// Opens each component with O_PATH|O_NOFOLLOW relative to the previous one's fd and inspects
// what it got through that fd: a directory is entered, a symlink is judged by its owner and
// its directory and then read through the same fd, so what was judged is what is followed.
int WalkToDirectory(const std::string& path, WalkFailure* failure) {
  auto fail = [failure](int error_number, const char* operation, const std::string& where) {
    failure->error_number = error_number;
    failure->operation = operation;
    failure->path = where;
    return -1;
  };
  if (path.empty()) return fail(ENOENT, "resolve", path);
  bool absolute = path[0] == '/';
  OwnedFd current(OpenRoot(absolute));
  std::string shown = absolute ? "/" : "";
  if (current.get() < 0) return fail(errno, "open", absolute ? "/" : ".");
  std::vector<std::string> pending;
  PushComponents(path, &pending);
  int links_followed = 0;
  while (!pending.empty()) {
    std::string name = pending.back();
    pending.pop_back();
    std::string here = Join(shown, name);
    OwnedFd entry(openat(current.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (entry.get() < 0) return fail(errno, "openat", here);
    struct stat entry_stat;
    if (fstat(entry.get(), &entry_stat) < 0) return fail(errno, "fstat", here);
    if (S_ISDIR(entry_stat.st_mode)) {
      current.reset(entry.release());
      shown = here;
      continue;
    }
    if (!S_ISLNK(entry_stat.st_mode)) return fail(ENOTDIR, "openat", here);
    struct stat directory_stat;
    if (fstat(current.get(), &directory_stat) < 0) return fail(errno, "fstat", shown.empty() ? "." : shown);
    bool trusted_owner = entry_stat.st_uid == geteuid() || entry_stat.st_uid == directory_stat.st_uid;
    if (IsShared(directory_stat) && !trusted_owner) {
      failure->refused_link = true;
      failure->link_owner = entry_stat.st_uid;
      failure->directory_owner = directory_stat.st_uid;
      return fail(EACCES, "follow symlink", here);
    }
    if (++links_followed > kMaxSymlinksFollowed) return fail(ELOOP, "resolve", here);
    char target[PATH_MAX];
    // An empty name reads the link the O_PATH fd holds (Linux 2.6.39+).
    ssize_t length = readlinkat(entry.get(), "", target, sizeof(target));
    if (length < 0) return fail(errno, "readlinkat", here);
    if (static_cast<size_t>(length) == sizeof(target)) return fail(ENAMETOOLONG, "readlinkat", here);
    if (length == 0) return fail(ENOENT, "readlinkat", here);
    std::string link_target(target, static_cast<size_t>(length));
    if (link_target[0] == '/') {
      current.reset(OpenRoot(true));
      if (current.get() < 0) return fail(errno, "open", "/");
      shown = "/";
    }
    PushComponents(link_target, &pending);
  }
  // O_PATH cannot be fsync'd or read: the caller gets the directory opened for reading.
  int directory = openat(current.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory < 0) return fail(errno, "openat", shown.empty() ? "." : shown);
  return directory;
}

int DirectoryFdArgument(const Napi::CallbackInfo& info, size_t index) { return info[index].As<Napi::Number>().Int32Value(); }

std::string NameArgument(const Napi::CallbackInfo& info, size_t index) { return info[index].As<Napi::String>().Utf8Value(); }

Napi::Error NativeErrorAt(Napi::Env env, const std::string& operation, int error_number, const std::string& path) {
  Napi::Error error = NativeError(env, operation, error_number);
  error.Set("path", Napi::String::New(env, path));
  return error;
}

}  // namespace

Napi::Value OpenDirectoryWithoutPlantedLinks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  WalkFailure failure;
  int fd = WalkToDirectory(NameArgument(info, 0), &failure);
  if (fd >= 0) return Napi::Number::New(env, fd);
  Napi::Error error = NativeErrorAt(env, failure.operation, failure.error_number, failure.path);
  if (failure.refused_link) {
    error.Set("linkOwner", Napi::Number::New(env, failure.link_owner));
    error.Set("directoryOwner", Napi::Number::New(env, failure.directory_owner));
  }
  throw error;
}

Napi::Value EntryAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = NameArgument(info, 1);
  struct stat entry;
  if (fstatat(DirectoryFdArgument(info, 0), name.c_str(), &entry, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return env.Null();
    throw NativeErrorAt(env, "fstatat", errno, name);
  }
  const char* kind = S_ISREG(entry.st_mode) ? "file" : S_ISDIR(entry.st_mode) ? "directory" : S_ISLNK(entry.st_mode) ? "symlink" : "other";
  Napi::Object result = Napi::Object::New(env);
  result.Set("kind", Napi::String::New(env, kind));
  result.Set("uid", Napi::Number::New(env, entry.st_uid));
  return result;
}

Napi::Value ListDirectory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // A fresh open description: fdopendir owns it, and the caller's fd keeps its own offset.
  int fd = openat(DirectoryFdArgument(info, 0), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw NativeError(env, "openat", errno);
  DIR* directory = fdopendir(fd);
  if (directory == nullptr) {
    int error_number = errno;
    close(fd);
    throw NativeError(env, "fdopendir", error_number);
  }
  Napi::Array names = Napi::Array::New(env);
  uint32_t count = 0;
  errno = 0;
  while (struct dirent* entry = readdir(directory)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.Set(count++, Napi::String::New(env, name));
  }
  int error_number = errno;
  closedir(directory);
  if (error_number != 0) throw NativeError(env, "readdir", error_number);
  return names;
}

Napi::Value CreateFileAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = NameArgument(info, 1);
  int fd = openat(DirectoryFdArgument(info, 0), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw NativeErrorAt(env, "openat", errno, name);
  return Napi::Number::New(env, fd);
}

Napi::Value CreateUnnamedFileIn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = openat(DirectoryFdArgument(info, 0), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) throw NativeError(env, "openat O_TMPFILE", errno);
  return Napi::Number::New(env, fd);
}

void LinkUnnamedFileAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int directory = DirectoryFdArgument(info, 1);
  std::string name = NameArgument(info, 2);
  if (linkat(fd, "", directory, name.c_str(), AT_EMPTY_PATH) == 0) return;
  // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH on older kernels; the fd's /proc link does not.
  if (errno != ENOENT && errno != EPERM) throw NativeErrorAt(env, "linkat", errno, name);
  std::string proc_link = "/proc/self/fd/" + std::to_string(fd);
  if (linkat(AT_FDCWD, proc_link.c_str(), directory, name.c_str(), AT_SYMLINK_FOLLOW) < 0) {
    throw NativeErrorAt(env, "linkat", errno, name);
  }
}

void RenameAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int directory = DirectoryFdArgument(info, 0);
  std::string from = NameArgument(info, 1);
  std::string to = NameArgument(info, 2);
  if (renameat(directory, from.c_str(), directory, to.c_str()) < 0) throw NativeErrorAt(env, "renameat", errno, to);
}

Napi::Value RemoveFileAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int directory = DirectoryFdArgument(info, 0);
  std::string name = NameArgument(info, 1);
  if (info.Length() > 2 && info[2].IsNumber()) {
    struct stat named;
    struct stat opened;
    if (fstatat(directory, name.c_str(), &named, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno == ENOENT) return Napi::Boolean::New(env, false);
      throw NativeErrorAt(env, "fstatat", errno, name);
    }
    if (fstat(info[2].As<Napi::Number>().Int32Value(), &opened) < 0) throw NativeErrorAt(env, "fstat", errno, name);
    if (named.st_dev != opened.st_dev || named.st_ino != opened.st_ino) return Napi::Boolean::New(env, false);
  }
  if (unlinkat(directory, name.c_str(), 0) < 0) {
    if (errno == ENOENT) return Napi::Boolean::New(env, false);
    throw NativeErrorAt(env, "unlinkat", errno, name);
  }
  return Napi::Boolean::New(env, true);
}
