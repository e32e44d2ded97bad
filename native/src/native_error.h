// Errors cross into JavaScript as exceptions carrying `errno`, `code` and `operation`; the
// wording of causes and fixes lives in src/probes/probe-error.ts, not here.
#pragma once
#include <napi.h>
#include <string>

Napi::Error NativeError(Napi::Env env, const std::string& operation, int error_number);
