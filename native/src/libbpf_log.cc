#include "libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <deque>
#include <string>

namespace {

constexpr size_t kMaxLines = 2000;

struct LogLine {
  const char* level;
  std::string text;
};

std::deque<LogLine> lines;

int KeepLine(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char text[1024];
  int length = vsnprintf(text, sizeof(text), format, args);
  if (length < 0) return 0;
  std::string line(text);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  if (lines.size() == kMaxLines) lines.pop_front();
  lines.push_back({level == LIBBPF_WARN ? "warn" : "info", line});
  return length;
}

}  // namespace

void InstallLibbpfLog() { libbpf_set_print(KeepLine); }

Napi::Value TakeLibbpfLog(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array result = Napi::Array::New(env, lines.size());
  uint32_t index = 0;
  for (const LogLine& line : lines) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("level", line.level);
    entry.Set("message", line.text);
    result.Set(index++, entry);
  }
  lines.clear();
  return result;
}
