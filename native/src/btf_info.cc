#include "btf_info.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <string>

#include "native_error.h"

namespace {

// Parsed once for the questions a start asks, then released (ReleaseVmlinuxBtf): kept, it
// held 6.6 MB of the process for the rest of its life.
struct btf* parsed_vmlinux = nullptr;

struct btf* VmlinuxBtf(Napi::Env env) {
  if (!parsed_vmlinux) {
    parsed_vmlinux = btf__load_vmlinux_btf();
    if (!parsed_vmlinux) throw NativeError(env, "btf__load_vmlinux_btf", errno);
  }
  return parsed_vmlinux;
}

int KindFromName(Napi::Env env, const std::string& kind) {
  if (kind == "typedef") return BTF_KIND_TYPEDEF;
  if (kind == "enum") return BTF_KIND_ENUM;
  if (kind == "struct") return BTF_KIND_STRUCT;
  throw NativeError(env, "btf kind " + kind, EINVAL);
}

}  // namespace

Napi::Value BtfHasType(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  int kind = KindFromName(env, info[1].As<Napi::String>());
  return Napi::Boolean::New(env, btf__find_by_name_kind(VmlinuxBtf(env), name.c_str(), kind) > 0);
}

Napi::Value BtfEnumValues(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  struct btf* vmlinux = VmlinuxBtf(env);
  Napi::Array values = Napi::Array::New(env);
  int id = btf__find_by_name_kind(vmlinux, name.c_str(), BTF_KIND_ENUM);
  if (id <= 0) return values;
  const struct btf_type* type = btf__type_by_id(vmlinux, id);
  const struct btf_enum* member = btf_enum(type);
  for (uint16_t index = 0; index < btf_vlen(type); index++, member++) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", btf__name_by_offset(vmlinux, member->name_off));
    entry.Set("value", member->val);
    values.Set(index, entry);
  }
  return values;
}

Napi::Value ReleaseVmlinuxBtf(const Napi::CallbackInfo& info) {
  btf__free(parsed_vmlinux);
  parsed_vmlinux = nullptr;
  return info.Env().Undefined();
}
