// Questions answered from the running kernel's BTF: does a type exist (tp_btf needs the
// `btf_trace_<tracepoint>` typedef), and the names of an enum's values (drop reasons).
#pragma once
#include <napi.h>

// btfHasType(name, kind: 'typedef' | 'enum' | 'struct') → boolean
Napi::Value BtfHasType(const Napi::CallbackInfo& info);
// btfEnumValues(name) → [{name, value}] (empty when the enum does not exist)
Napi::Value BtfEnumValues(const Napi::CallbackInfo& info);
// releaseVmlinuxBtf(): frees the parsed BTF the two above share; the next question parses it again.
Napi::Value ReleaseVmlinuxBtf(const Napi::CallbackInfo& info);
