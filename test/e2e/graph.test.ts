// End-to-end: `dag graph` / `dag dag` draws the pipeline with each stage's state; --dot and --mermaid; sweep variants folded or shown.
import { describe, expect, it } from "vitest";
import { CHAIN_YAML, dag, makeProject, read, write } from "./project.js";

describe("dag graph", () => {
  it("a tree with states that follow the cache, extra upstream stages named", async () => {
    const yaml = CHAIN_YAML.replace("      x: b:out.txt\n", "      x: b:out.txt\n      y: a:out.txt\n");
    const dir = makeProject({ "pipeline.yaml": yaml, "input.txt": "raw" });
    const before = await dag(dir, "graph");
    expect(before.exitCode, before.stderr).toBe(0);
    expect(before.stdout).toContain("○ a  never run");
    expect((await dag(dir, "run")).exitCode).toBe(0);
    write(dir, "pipeline.yaml", read(dir, "pipeline.yaml").replace("text: B,", "text: B2,"));
    const after = await dag(dir, "dag");
    expect(after.stdout.split("\n").slice(0, 3)).toEqual(["✔ a  cached", "└─▶ ● b  stale: params.text B → B2", "    └─▶ ● c  stale: upstream b is stale  ◀ also a"]);
    const one = await dag(dir, "graph", "b");
    expect(one.stdout).not.toContain(" c ");
  });

  it("--dot and --mermaid carry every edge and state", async () => {
    const dir = makeProject({ "pipeline.yaml": CHAIN_YAML, "input.txt": "raw" });
    expect((await dag(dir, "run", "--until", "a")).exitCode).toBe(0);
    const dot = await dag(dir, "graph", "--dot");
    expect(dot.stdout).toMatch(/^digraph dag \{/);
    expect(dot.stdout).toContain('"a" -> "b";');
    expect(dot.stdout).toContain('"b" -> "c";');
    expect(dot.stdout).toContain('"a" [label="a\\ncached", fillcolor="#c8e6c9"];');
    const mermaid = await dag(dir, "graph", "--mermaid");
    expect(mermaid.stdout.split("\n")).toEqual(expect.arrayContaining(["flowchart LR", '  n0["a<br/>cached"]:::cached', '  n1["b<br/>never run"]:::never', "  n0 --> n1", "  n1 --> n2"]));
    expect((await dag(dir, "graph", "--dot", "--mermaid")).exitCode).toBe(2);
  });

  it("sweep variants are folded into their stage with their states counted, or shown with --variants", async () => {
    const dir = makeProject({ "pipeline.yaml": `${CHAIN_YAML}sweep:\n  b.text: [B, B2, B3]\n`, "input.txt": "raw" });
    expect((await dag(dir, "run", "b[text=B2]")).exitCode).toBe(0);
    const folded = await dag(dir, "graph");
    expect(folded.stdout).toContain("└─▶ ● b  stale: 3 variants: 2 stale, 1 cached");
    expect(folded.stdout).toContain("    └─▶ ○ c  never run: 3 variants: 3 never run");
    const each = await dag(dir, "graph", "--variants", "--mermaid");
    expect(each.stdout).toContain('"b#91;text=B2#93;<br/>cached"]:::cached');
    expect(each.stdout.match(/ --> /g)).toHaveLength(6);
  });
});
