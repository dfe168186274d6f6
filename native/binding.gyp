# node-gyp build of dag's native kernels (addon.cc and the files it binds); native/build.ts runs it during `npm install`.
# DAG_LAPACK_* come from build.ts: the system LAPACK pkg-config found (empty: none, eigen.cc is a stub).
{
  "targets": [
    {
      "target_name": "dag_kernels",
      "sources": ["addon.cc", "gemm.cc", "loss.cc", "adamw.cc", "layers.cc", "eigen.cc", "solve.cc"],
      "cflags_cc": ["-O3", "-std=gnu++17", "-ffp-contract=fast", "-fno-math-errno", "<!@(node -p \"process.env.DAG_LAPACK_CFLAGS || ''\")"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["<!@(node -p \"process.env.DAG_LAPACK_LIBS || ''\")"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=gnu++17", "-ffp-contract=fast"] },
      "msvs_settings": { "VCCLCompilerTool": { "Optimization": 2 } }
    }
  ]
}
