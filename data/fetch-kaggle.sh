#!/usr/bin/env sh
# Downloads the challenge files (train.npz, test.clean.npz, captions.txt) into this folder with the
# Kaggle CLI. Needs `pip install kaggle`, a Kaggle API token (~/.kaggle/kaggle.json) and the
# competition's rules accepted on kaggle.com. Then set `source: files` under the load stage in pipeline.yaml.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
competition=${KAGGLE_COMPETITION:-aml-competition}

if ! command -v kaggle >/dev/null 2>&1; then
  echo "error: the kaggle CLI is not installed (pip install kaggle), see $here/README.md" >&2
  exit 2
fi
if ! command -v unzip >/dev/null 2>&1; then
  echo "error: unzip is not installed" >&2
  exit 2
fi

kaggle competitions download -c "$competition" -p "$here"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unzip -o -q "$here/$competition.zip" -d "$tmp"
for name in train.npz test.clean.npz captions.txt; do
  found=$(find "$tmp" -type f -name "$name" | head -n 1)
  if [ -z "$found" ]; then
    echo "error: $name is not in $competition.zip (it holds: $(cd "$tmp" && find . -type f | tr '\n' ' '))" >&2
    exit 1
  fi
  mv -f "$found" "$here/$name"
done
rm -f "$here/$competition.zip"
echo "wrote $here/train.npz, $here/test.clean.npz and $here/captions.txt"
echo "now set 'source: files' under stages.load.params in pipeline.yaml and run: npx dag run"
