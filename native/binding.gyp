{
  "targets": [
    {
      "target_name": "netscope_native",
      "sources": [
        "src/addon.cc",
        "src/bpf_object_wrap.cc",
        "src/ring_reader.cc",
        "src/sock_diag.cc",
        "src/btf_info.cc",
        "src/libbpf_log.cc",
        "src/native_error.cc",
        "src/output_files.cc",
        "src/netns_files.cc",
        "src/conntrack.cc",
        "src/freed_memory.cc"
      ],
      "include_dirs": ["../bpf"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lbpf", "-lelf", "-lz"]
    }
  ]
}
