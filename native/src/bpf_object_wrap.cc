#include "bpf_object_wrap.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "native_error.h"
#include "tcp_events.h"

void BpfObjectWrap::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor = DefineClass(
      env, "BpfObject",
      {
          InstanceMethod("programNames", &BpfObjectWrap::ProgramNames),
          InstanceMethod("setAutoload", &BpfObjectWrap::SetAutoload),
          InstanceMethod("setRingBufferSize", &BpfObjectWrap::SetRingBufferSize),
          InstanceMethod("load", &BpfObjectWrap::Load),
          InstanceMethod("attach", &BpfObjectWrap::Attach),
          InstanceMethod("attachRawTracepoint", &BpfObjectWrap::AttachRawTracepoint),
          InstanceMethod("attachCgroup", &BpfObjectWrap::AttachCgroup),
          InstanceMethod("dumpMap", &BpfObjectWrap::DumpMap),
          InstanceMethod("deleteMapKeys", &BpfObjectWrap::DeleteMapKeys),
          InstanceMethod("perCpuTotal", &BpfObjectWrap::PerCpuTotal),
          InstanceMethod("drain", &BpfObjectWrap::Drain),
          InstanceMethod("lostEvents", &BpfObjectWrap::LostEvents),
          InstanceMethod("close", &BpfObjectWrap::Close),
      });
  exports.Set("BpfObject", constructor);
}

BpfObjectWrap::BpfObjectWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfObjectWrap>(info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  // Each object's ring buffer carries one record type; tcp_events' unless the caller says.
  if (info.Length() > 1 && info[1].IsNumber()) record_size_ = info[1].As<Napi::Number>().Uint32Value();
  object_ = bpf_object__open_file(path.c_str(), nullptr);
  if (!object_) {
    int error_number = errno;
    object_ = nullptr;
    throw NativeError(env, "bpf_object__open_file " + path, error_number);
  }
}

BpfObjectWrap::~BpfObjectWrap() { Release(); }

struct bpf_program* BpfObjectWrap::FindProgram(Napi::Env env, const std::string& name) {
  if (!object_) throw NativeError(env, "bpf object already closed", EBADF);
  struct bpf_program* program = bpf_object__find_program_by_name(object_, name.c_str());
  if (!program) throw NativeError(env, "find program " + name, ENOENT);
  return program;
}

Napi::Value BpfObjectWrap::ProgramNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array names = Napi::Array::New(env);
  if (!object_) return names;
  uint32_t index = 0;
  struct bpf_program* program;
  bpf_object__for_each_program(program, object_) {
    names.Set(index++, bpf_program__name(program));
  }
  return names;
}

void BpfObjectWrap::SetAutoload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  bool autoload = info[1].As<Napi::Boolean>();
  int error = bpf_program__set_autoload(FindProgram(env, name), autoload);
  if (error) throw NativeError(env, "bpf_program__set_autoload " + name, error);
}

void BpfObjectWrap::SetRingBufferSize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t bytes = info[0].As<Napi::Number>().Uint32Value();
  struct bpf_map* map = bpf_object__find_map_by_name(object_, "events");
  if (!map) throw NativeError(env, "find map events", ENOENT);
  int error = bpf_map__set_max_entries(map, bytes);
  if (error) throw NativeError(env, "bpf_map__set_max_entries events", error);
}

void BpfObjectWrap::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!object_) throw NativeError(env, "bpf object already closed", EBADF);
  int error = bpf_object__load(object_);
  if (error) throw NativeError(env, "bpf_object__load", error);
  struct bpf_map* events = bpf_object__find_map_by_name(object_, "events");
  // An object that only keeps counters in maps has no ring buffer to drain.
  if (!events) return;
  ring_ = RingReader::Open(bpf_map__fd(events), bpf_map__max_entries(events));
  if (!ring_) throw NativeError(env, "mmap ring buffer events", errno);
}

void BpfObjectWrap::Attach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  struct bpf_link* link = bpf_program__attach(FindProgram(env, name));
  if (!link) throw NativeError(env, "bpf_program__attach " + name, errno);
  links_[name] = link;
}

void BpfObjectWrap::AttachRawTracepoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  std::string tracepoint = info[1].As<Napi::String>();
  struct bpf_link* link = bpf_program__attach_raw_tracepoint(FindProgram(env, name), tracepoint.c_str());
  if (!link) throw NativeError(env, "bpf_program__attach_raw_tracepoint " + tracepoint, errno);
  links_[name] = link;
}

// The link dies with the process that holds it: a netscope killed leaves no program attached.
void BpfObjectWrap::AttachCgroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  std::string path = info[1].As<Napi::String>();
  struct bpf_program* program = FindProgram(env, name);
  int cgroup = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup < 0) throw NativeError(env, "open " + path, errno);
  struct bpf_link* link = bpf_program__attach_cgroup(program, cgroup);
  int attach_error = errno;
  close(cgroup);
  if (!link) throw NativeError(env, "bpf_program__attach_cgroup " + name + " " + path, attach_error);
  links_[name] = link;
}

struct bpf_map* BpfObjectWrap::FindMap(Napi::Env env, const std::string& name) {
  struct bpf_map* map = object_ ? bpf_object__find_map_by_name(object_, name.c_str()) : nullptr;
  if (!map) throw NativeError(env, "find map " + name, ENOENT);
  return map;
}

// Copies every entry (key then value) while the Buffer has room; returns {count, needed}.
// Entries added during the walk may be missed and deleted ones skipped: the next call sees them.
Napi::Value BpfObjectWrap::DumpMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_map* map = FindMap(env, info[0].As<Napi::String>());
  Napi::Buffer<uint8_t> buffer = info[1].As<Napi::Buffer<uint8_t>>();
  size_t key_size = bpf_map__key_size(map);
  size_t entry_size = key_size + bpf_map__value_size(map);
  int fd = bpf_map__fd(map);
  std::vector<uint8_t> key(key_size);
  uint32_t count = 0;
  uint32_t needed = 0;
  void* previous = nullptr;
  while (bpf_map_get_next_key(fd, previous, key.data()) == 0) {
    previous = key.data();
    uint8_t* entry = buffer.Data() + static_cast<size_t>(count) * entry_size;
    if ((count + 1) * entry_size > buffer.Length()) {
      needed++;
      continue;
    }
    std::memcpy(entry, key.data(), key_size);
    if (bpf_map_lookup_elem(fd, key.data(), entry + key_size) != 0) continue;
    count++;
    needed++;
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("count", count);
  result.Set("needed", needed);
  return result;
}

// Deletes `count` keys laid out back to back in the Buffer; a key already gone is no error.
void BpfObjectWrap::DeleteMapKeys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_map* map = FindMap(env, info[0].As<Napi::String>());
  Napi::Buffer<uint8_t> buffer = info[1].As<Napi::Buffer<uint8_t>>();
  uint32_t count = info[2].As<Napi::Number>().Uint32Value();
  size_t key_size = bpf_map__key_size(map);
  if (static_cast<size_t>(count) * key_size > buffer.Length()) throw NativeError(env, "delete keys buffer", EINVAL);
  int fd = bpf_map__fd(map);
  for (uint32_t index = 0; index < count; index++) {
    if (bpf_map_delete_elem(fd, buffer.Data() + index * key_size) != 0 && errno != ENOENT)
      throw NativeError(env, "bpf_map_delete_elem", errno);
  }
}

Napi::Value BpfObjectWrap::PerCpuTotal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Number::New(env, SumPerCpuCounter(env, info[0].As<Napi::String>()));
}

double BpfObjectWrap::SumPerCpuCounter(Napi::Env env, const std::string& name) {
  struct bpf_map* map = FindMap(env, name);
  int cpus = libbpf_num_possible_cpus();
  if (cpus < 0) throw NativeError(env, "libbpf_num_possible_cpus", cpus);
  std::vector<__u64> per_cpu(cpus);
  __u32 key = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(map), &key, per_cpu.data()))
    throw NativeError(env, "bpf_map_lookup_elem " + name, errno);
  double total = 0;
  for (__u64 count : per_cpu) total += static_cast<double>(count);
  return total;
}

// Copies whole records into the Buffer until it is full or the ring is empty; returns how many.
Napi::Value BpfObjectWrap::Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ring_) throw NativeError(env, "drain before load", EBADF);
  Napi::Buffer<uint8_t> buffer = info[0].As<Napi::Buffer<uint8_t>>();
  if (buffer.Length() < record_size_) throw NativeError(env, "drain buffer", EINVAL);
  return Napi::Number::New(env, ring_->Consume(buffer.Data(), buffer.Length(), record_size_));
}

Napi::Value BpfObjectWrap::LostEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Number::New(env, SumPerCpuCounter(env, "lost_events"));
}

void BpfObjectWrap::Close(const Napi::CallbackInfo& info) { Release(); }

// Order matters: stop reading, detach every program, then free the object and its maps.
void BpfObjectWrap::Release() {
  ring_.reset();
  for (auto& entry : links_) bpf_link__destroy(entry.second);
  links_.clear();
  if (object_) bpf_object__close(object_);
  object_ = nullptr;
}
