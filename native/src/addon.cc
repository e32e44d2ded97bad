// netscope's native surface, declared for TypeScript in src/probes/native.ts.
#include <linux/types.h>
#include <napi.h>

#include "bpf_object_wrap.h"
#include "btf_info.h"
#include "conntrack.h"
#include "dns_answers.h"
#include "freed_memory.h"
#include "libbpf_log.h"
#include "netns_files.h"
#include "output_files.h"
#include "sock_diag.h"
#include "tcp_events.h"
#include "tcp_sample.h"
#include "udp_flows.h"
#include "udp_sample.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallLibbpfLog();
  BpfObjectWrap::Init(env, exports);
  exports.Set("openNetnsDiagSocket", Napi::Function::New(env, OpenNetnsDiagSocket));
  exports.Set("startTcpDump", Napi::Function::New(env, StartTcpDump));
  exports.Set("readTcpDump", Napi::Function::New(env, ReadTcpDump));
  exports.Set("sampleUdpSockets", Napi::Function::New(env, SampleUdpSockets));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd));
  exports.Set("openNetnsConntrackSocket", Napi::Function::New(env, OpenNetnsConntrackSocket));
  exports.Set("conntrackRoundTrip", Napi::Function::New(env, ConntrackRoundTrip));
  exports.Set("btfHasType", Napi::Function::New(env, BtfHasType));
  exports.Set("btfEnumValues", Napi::Function::New(env, BtfEnumValues));
  exports.Set("releaseVmlinuxBtf", Napi::Function::New(env, ReleaseVmlinuxBtf));
  exports.Set("takeLibbpfLog", Napi::Function::New(env, TakeLibbpfLog));
  exports.Set("openDirectoryWithoutPlantedLinks", Napi::Function::New(env, OpenDirectoryWithoutPlantedLinks));
  exports.Set("entryAt", Napi::Function::New(env, EntryAt));
  exports.Set("listDirectory", Napi::Function::New(env, ListDirectory));
  exports.Set("createFileAt", Napi::Function::New(env, CreateFileAt));
  exports.Set("createUnnamedFileIn", Napi::Function::New(env, CreateUnnamedFileIn));
  exports.Set("linkUnnamedFileAt", Napi::Function::New(env, LinkUnnamedFileAt));
  exports.Set("renameAt", Napi::Function::New(env, RenameAt));
  exports.Set("removeFileAt", Napi::Function::New(env, RemoveFileAt));
  exports.Set("readFilesInNetns", Napi::Function::New(env, ReadFilesInNetns));
  exports.Set("releaseFreedMemory", Napi::Function::New(env, ReleaseFreedMemory));
  Napi::Object sizes = Napi::Object::New(env);
  sizes.Set("tcpEvent", Napi::Number::New(env, sizeof(struct tcp_event)));
  sizes.Set("tcpSample", Napi::Number::New(env, sizeof(struct tcp_sample)));
  sizes.Set("udpFlowKey", Napi::Number::New(env, sizeof(struct udp_flow_key)));
  sizes.Set("udpFlowCounters", Napi::Number::New(env, sizeof(struct udp_flow_counters)));
  sizes.Set("udpSample", Napi::Number::New(env, sizeof(struct udp_sample)));
  exports.Set("recordSizes", sizes);
  // Apart from recordSizes: the DNS answer capture is its own BPF object with its own record.
  exports.Set("dnsAnswerRecordSize", Napi::Number::New(env, sizeof(struct dns_answer)));
  return exports;
}

}  // namespace

NODE_API_MODULE(netscope_native, Init)
