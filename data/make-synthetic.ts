// Writes the built-in synthetic dataset as files in the organisers' exact layout (train.npz,
// test.clean.npz, captions.txt), to try `source: files` or another tool on the same data.
//   node --import tsx data/make-synthetic.ts [--images 2000] [--seed 42] [--test-captions 1500] [--out data]
import { parseArgs } from "node:util";
import { generateSynthetic } from "../stages/lib/data/synthetic.js";
import { writeSyntheticFiles } from "../stages/lib/data/synthetic-files.js";

const { values } = parseArgs({
  options: {
    images: { type: "string", default: "2000" },
    "captions-per-image": { type: "string", default: "5" },
    "test-captions": { type: "string", default: "1500" },
    seed: { type: "string", default: "42" },
    out: { type: "string", default: "data" },
  },
});
const options = {
  images: Number(values.images),
  captionsPerImage: Number(values["captions-per-image"]),
  testCaptions: Number(values["test-captions"]),
  seed: Number(values.seed),
};
for (const [name, value] of Object.entries(options)) {
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`make-synthetic: --${name} takes a whole number, got ${String(value)}\n`);
    process.exit(2);
  }
}
const data = generateSynthetic(options);
const files = await writeSyntheticFiles(values.out, data);
process.stdout.write(`${Object.values(files).join("\n")}\n`);
