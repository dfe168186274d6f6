// Writes the built-in synthetic dataset as files in the organisers' exact layout (train.npz,
// test.clean.npz, captions.txt), to try `source: files` or another tool on the same data.
//   node --import tsx data/make-synthetic.ts [--images 2000] [--seed 42] [--test-captions 1500] [--out data]
import { parseArgs } from "node:util";
import { generateSynthetic } from "../stages/lib/data/synthetic.js";
import { writeSyntheticFiles } from "../stages/lib/data/synthetic-files.js";

const HELP = `Usage: node --import tsx data/make-synthetic.ts [options]

Writes the built-in synthetic dataset in the organisers' layout: OUT/train.npz, OUT/test.clean.npz
and OUT/captions.txt (the same data \`source: synthetic\` generates for the same numbers).

Options:
  --images N               images (default 2000; the challenge has 25000)
  --captions-per-image N   captions per training image (default 5)
  --test-captions N        test captions (default 1500)
  --seed N                 the data's seed (default 42)
  --out DIR                where to write (default data)
  -h, --help               this help

Example:
  node --import tsx data/make-synthetic.ts --images 500 --out /tmp/small
`;

let values: { images: string; "captions-per-image": string; "test-captions": string; seed: string; out: string; help: boolean };
try {
  values = parseArgs({
    options: {
      images: { type: "string", default: "2000" },
      "captions-per-image": { type: "string", default: "5" },
      "test-captions": { type: "string", default: "1500" },
      seed: { type: "string", default: "42" },
      out: { type: "string", default: "data" },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values;
} catch (error) {
  process.stderr.write(`make-synthetic: ${(error as Error).message.replace(/\. To specify.*$/s, "")} (see --help)\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
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
