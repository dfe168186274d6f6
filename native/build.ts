// Builds the native kernels (native/*.cc, an addon) with node-gyp (part of `npm run build`, so of
// `npm install`) and writes native/build/identity.json, the build's identity that stage keys follow.
//
// Where pkg-config finds a system LAPACK (OpenBLAS, else the reference LAPACK) the eigensolver is
// linked to its dsyevd; if that build fails the addon is built without it. A machine without a C++
// toolchain or Node's headers still installs: the build is reported and skipped, and the stages
// use tfjs. DAG_NATIVE=0 skips it. An up-to-date build (same identity) is kept.
//
// identity.json: { status: "ready", sources, lapack, gemm, addon } or { status: "unavailable", reason }.
// `sources` hashes the native sources and build flags, `lapack` names the linked library, `gemm`
// says how the products round ("fma" for the AVX2 and AVX-512 variants, which agree bit for bit;
// "portable" without FMA): everything that shapes the numbers and nothing machine-specific, so
// two machines building the same sources get the same identity.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const here = import.meta.dirname;
const buildDir = path.join(here, "build");
const addonRelative = "Release/dag_kernels.node";
const addon = path.join(buildDir, addonRelative);
const identityFile = path.join(buildDir, "identity.json");

/** node-gyp's lines that say nothing about why a build failed. */
const NOISE = /^gyp (info|ERR! (System|command|cwd|node -v|node-gyp -v|\$npm_|not ok))/;

/** What the stages read to know the addon and to key on it. */
type Identity =
  | { readonly status: "ready"; readonly sources: string; readonly lapack: string; readonly gemm: "fma" | "portable"; readonly addon: string }
  | { readonly status: "unavailable"; readonly reason: string };

/** A system LAPACK as pkg-config describes it. */
interface Lapack {
  readonly name: string;
  readonly cflags: string;
  readonly libs: string;
}

function say(line: string): void {
  console.log(`native kernels: ${line}`);
}

function writeIdentity(identity: Identity): void {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(identityFile, JSON.stringify(identity, null, 2) + "\n");
}

function readIdentity(): Identity | undefined {
  try {
    return JSON.parse(readFileSync(identityFile, "utf8")) as Identity;
  } catch {
    return undefined;
  }
}

/** The content hash of every source and build file, with the LAPACK flags the build uses. */
function sourcesHash(lapack: Lapack | undefined): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(here).filter((f) => /\.(cc|h|gyp)$/.test(f)).sort()) {
    hash.update(`${file}\0`).update(readFileSync(path.join(here, file))).update("\0");
  }
  hash.update(`lapack\0${lapack === undefined ? "" : `${lapack.cflags}\0${lapack.libs}`}`);
  return hash.digest("hex");
}

function pkgConfig(args: string[]): string | undefined {
  const run = spawnSync("pkg-config", args, { encoding: "utf8" });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/** OpenBLAS (it carries LAPACK), else a LAPACK pkg-config knows; DAG_LAPACK=0 declines both. */
function findLapack(): Lapack | undefined {
  if (process.env["DAG_LAPACK"] === "0") return undefined;
  for (const module of ["openblas", "lapack"]) {
    const libs = pkgConfig(["--libs", module]);
    if (libs === undefined) continue;
    return { name: `${module} ${pkgConfig(["--modversion", module]) ?? "?"}`, cflags: pkgConfig(["--cflags", module]) ?? "", libs };
  }
  return undefined;
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

/** Runs node-gyp rebuild with or without LAPACK; the failure's last lines when it fails. */
function gypBuild(gyp: string, lapack: Lapack | undefined): { ok: true } | { ok: false; status: string; tail: string[] } {
  const env = { ...process.env, DAG_LAPACK_CFLAGS: lapack === undefined ? "" : `${lapack.cflags} -DDAG_LAPACK=1`, DAG_LAPACK_LIBS: lapack?.libs ?? "" };
  const run = spawnSync(process.execPath, [gyp, "rebuild", ...nodeDirArgs()], { cwd: here, encoding: "utf8", env });
  if (run.status === 0) return { ok: true };
  const tail = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n").filter((l) => !NOISE.test(l)).slice(-8);
  return { ok: false, status: String(run.status ?? run.signal), tail };
}

/** The built addon's instruction set and LAPACK, or why it does not load. */
function probe(): { ok: true; isa: string; lapack: boolean } | { ok: false; message: string } {
  try {
    const { isa, lapack } = createRequire(import.meta.url)(addon) as { isa: string; lapack: boolean };
    return { ok: true, isa, lapack };
  } catch (e) {
    return { ok: false, message: (e as Error).message.split("\n")[0] ?? "" };
  }
}

function main(): number {
  if (process.env["DAG_NATIVE"] === "0") {
    writeIdentity({ status: "unavailable", reason: "skipped (DAG_NATIVE=0 at install)" });
    say("skipped (DAG_NATIVE=0); the stages use tfjs");
    return 0;
  }
  let lapack = findLapack();
  const previous = readIdentity();
  const upToDate = previous?.status === "ready" && previous.sources === sourcesHash(lapack) && existsSync(addon) && probe().ok;
  if (!upToDate) {
    const gyp = nodeGyp();
    if (gyp === undefined) {
      writeIdentity({ status: "unavailable", reason: "not built: node-gyp not found" });
      say("not built: node-gyp not found; the stages use tfjs");
      return 0;
    }
    let built = gypBuild(gyp, lapack);
    if (!built.ok && lapack !== undefined) {
      say(`building with ${lapack.name} failed (node-gyp exited ${built.status}); building without LAPACK`);
      lapack = undefined;
      built = gypBuild(gyp, lapack);
    }
    if (!built.ok) {
      writeIdentity({ status: "unavailable", reason: "not built: node-gyp failed" });
      say(`not built (node-gyp exited ${built.status}); the stages use tfjs. node-gyp said:`);
      for (const line of built.tail) console.log(`  ${line}`);
      return 0;
    }
  }
  const loaded = probe();
  if (!loaded.ok) {
    writeIdentity({ status: "unavailable", reason: "built but does not load" });
    say(`built but does not load (${loaded.message}); the stages use tfjs`);
    return 0;
  }
  const lapackName = loaded.lapack ? (lapack?.name ?? (previous?.status === "ready" ? previous.lapack : "yes")) : "none";
  writeIdentity({ status: "ready", sources: sourcesHash(lapack), lapack: lapackName, gemm: loaded.isa === "portable" ? "portable" : "fma", addon: addonRelative });
  say(`ready (${loaded.isa}; eigensolver: ${loaded.lapack ? `LAPACK dsyevd of ${lapackName}` : "dag's own, no system LAPACK found"})`);
  return 0;
}

process.exitCode = main();
