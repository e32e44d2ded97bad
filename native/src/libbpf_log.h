// libbpf prints through a callback; lines are kept here (bounded) for JavaScript to take and
// route into netscope's log, never straight to stderr while the TUI owns the terminal.
#pragma once
#include <napi.h>

void InstallLibbpfLog();
Napi::Value TakeLibbpfLog(const Napi::CallbackInfo& info);
