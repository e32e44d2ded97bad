// One libbpf object: open, choose programs, load, attach each, drain the ring buffer into a
// caller-supplied Buffer, read the lost-event counter, dump and prune counter maps, close. Which programs to load, what a
// failure means and how records decode are decided in src/probes/.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <linux/types.h>
#include "ring_reader.h"
#include "tcp_events.h"

struct bpf_object;
struct bpf_link;
struct bpf_map;
struct bpf_program;

class BpfObjectWrap : public Napi::ObjectWrap<BpfObjectWrap> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit BpfObjectWrap(const Napi::CallbackInfo& info);
  ~BpfObjectWrap() override;

 private:
  Napi::Value ProgramNames(const Napi::CallbackInfo& info);
  void SetAutoload(const Napi::CallbackInfo& info);
  void SetRingBufferSize(const Napi::CallbackInfo& info);
  void Load(const Napi::CallbackInfo& info);
  void Attach(const Napi::CallbackInfo& info);
  void AttachRawTracepoint(const Napi::CallbackInfo& info);
  void AttachCgroup(const Napi::CallbackInfo& info);
  Napi::Value DumpMap(const Napi::CallbackInfo& info);
  void DeleteMapKeys(const Napi::CallbackInfo& info);
  Napi::Value PerCpuTotal(const Napi::CallbackInfo& info);
  Napi::Value Drain(const Napi::CallbackInfo& info);
  Napi::Value LostEvents(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  struct bpf_program* FindProgram(Napi::Env env, const std::string& name);
  struct bpf_map* FindMap(Napi::Env env, const std::string& name);
  double SumPerCpuCounter(Napi::Env env, const std::string& name);
  void Release();

  struct bpf_object* object_ = nullptr;
  size_t record_size_ = sizeof(struct tcp_event);
  std::unique_ptr<RingReader> ring_;
  std::map<std::string, struct bpf_link*> links_;
};
