// Builds the native kernels (native/*.cc, an addon) with node-gyp (part of `npm run build`, so of `npm install`). A machine
// without a C++ toolchain or Node's headers still installs: the build is reported and skipped, and
// the stages use their WebAssembly kernels. DAG_NATIVE=0 skips it; an up-to-date build is kept.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const here = import.meta.dirname;
const addon = path.join(here, "build", "Release", "dag_kernels.node");
const sources = readdirSync(here).filter((f) => /\.(cc|h|gyp)$/.test(f)).map((f) => path.join(here, f));

/** node-gyp's lines that say nothing about why a build failed. */
const NOISE = /^gyp (info|ERR! (System|command|cwd|node -v|node-gyp -v|\$npm_|not ok))/;

function say(line: string): void {
  console.log(`native kernels: ${line}`);
}

/** node-gyp's script: npm's own (npm passes its path to scripts), else the one beside this Node's npm. */
function nodeGyp(): string | undefined {
  const candidates = [
    process.env["npm_config_node_gyp"],
    path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  return candidates.find((c): c is string => c !== undefined && c !== "" && existsSync(c));
}

/** Node's own headers beside its binary (Debian's /usr, official tarballs), so node-gyp needs no download. */
function nodeDirArgs(): string[] {
  if (process.env["npm_config_nodedir"]) return [];
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  return existsSync(path.join(prefix, "include", "node", "node_api.h")) ? [`--nodedir=${prefix}`] : [];
}

function upToDate(): boolean {
  if (!existsSync(addon)) return false;
  const built = statSync(addon).mtimeMs;
  return sources.every((s) => statSync(s).mtimeMs <= built);
}

function main(): number {
  if (process.env["DAG_NATIVE"] === "0") {
    say("skipped (DAG_NATIVE=0); the stages use their WebAssembly kernels");
    return 0;
  }
  if (!upToDate()) {
    const gyp = nodeGyp();
    if (gyp === undefined) {
      say("not built: node-gyp not found; the stages use their WebAssembly kernels");
      return 0;
    }
    const run = spawnSync(process.execPath, [gyp, "rebuild", ...nodeDirArgs()], { cwd: here, encoding: "utf8" });
    if (run.status !== 0) {
      const tail = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n").filter((l) => !NOISE.test(l)).slice(-8);
      say(`not built (node-gyp exited ${run.status ?? run.signal}); the stages use their WebAssembly kernels. node-gyp said:`);
      for (const line of tail) console.log(`  ${line}`);
      return 0;
    }
  }
  try {
    const { isa } = createRequire(import.meta.url)(addon) as { isa: string };
    say(`ready (${isa})`);
  } catch (e) {
    say(`built but does not load (${(e as Error).message.split("\n")[0]}); the stages use their WebAssembly kernels`);
  }
  return 0;
}

process.exitCode = main();
