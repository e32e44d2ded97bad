// Files netscope writes as root, made relative to a directory fd: the directory is resolved one
// component at a time, so no path can be redirected between a check and a use, and no symlink
// another user planted in a shared directory is followed. Which names to write, and the wording
// of every refusal, live in src/output/safe-file-write.ts.
#pragma once
#include <napi.h>

// openDirectoryWithoutPlantedLinks(path) → fd (O_RDONLY|O_DIRECTORY) of the directory. A symlink
// on the way is followed only when root (the caller) or the owner of the directory holding it
// owns it, or when that directory is not shared (sticky, or writable by others): the kernel's
// protected_symlinks rule, whatever fs.protected_symlinks says. Otherwise it throws EACCES with
// operation "follow symlink", `path` (the link), `linkOwner` and `directoryOwner`; every error
// carries the `path` it stopped at.
Napi::Value OpenDirectoryWithoutPlantedLinks(const Napi::CallbackInfo& info);
// entryAt(dirFd, name) → {kind: 'file'|'directory'|'symlink'|'other', uid} | null, never following a link.
Napi::Value EntryAt(const Napi::CallbackInfo& info);
// listDirectory(dirFd) → the names in it, without . and ..
Napi::Value ListDirectory(const Napi::CallbackInfo& info);
// createFileAt(dirFd, name) → fd: a new file, mode 0600, never over an entry or through a link.
Napi::Value CreateFileAt(const Napi::CallbackInfo& info);
// createUnnamedFileIn(dirFd) → fd of an O_TMPFILE, mode 0600: it has no name until linked, so
// nothing is left behind if netscope dies. Throws EOPNOTSUPP or EISDIR where the filesystem or
// kernel has none.
Napi::Value CreateUnnamedFileIn(const Napi::CallbackInfo& info);
// linkUnnamedFileAt(fd, dirFd, name): gives the unnamed file its name (EEXIST when taken).
void LinkUnnamedFileAt(const Napi::CallbackInfo& info);
// renameAt(dirFd, from, to): within one directory, replacing `to` (never following a link).
void RenameAt(const Napi::CallbackInfo& info);
// removeFileAt(dirFd, name, fd?) → whether it was removed. Given `fd`, only while `name` is
// still the file open as `fd` (same device and inode): another file put in its place stays.
Napi::Value RemoveFileAt(const Napi::CallbackInfo& info);
