#include "native_error.h"

#include <cstring>

Napi::Error NativeError(Napi::Env env, const std::string& operation, int error_number) {
  if (error_number < 0) error_number = -error_number;
  const char* name = strerrorname_np(error_number);
  Napi::Error error = Napi::Error::New(
      env, operation + ": " + std::strerror(error_number) + " (" + (name ? name : "E?") + ")");
  error.Set("errno", Napi::Number::New(env, error_number));
  error.Set("code", Napi::String::New(env, name ? name : "UNKNOWN"));
  error.Set("operation", Napi::String::New(env, operation));
  return error;
}
