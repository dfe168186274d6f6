# node-gyp build of dag's native kernels (addon.cc and the files it binds); native/build.ts runs it during `npm install`.
{
  "targets": [
    {
      "target_name": "dag_kernels",
      "sources": ["addon.cc", "gemm.cc", "loss.cc", "adamw.cc", "layers.cc"],
      "cflags_cc": ["-O3", "-std=gnu++17", "-ffp-contract=fast", "-fno-math-errno"],
      "cflags_cc!": ["-fno-exceptions"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=gnu++17", "-ffp-contract=fast"] },
      "msvs_settings": { "VCCLCompilerTool": { "Optimization": 2 } }
    }
  ]
}
