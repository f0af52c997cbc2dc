"""Check that `summarize SEEDS --out OUT` wrote one schema-valid JSON file per seed article."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema

out, seeds = Path(sys.argv[1]), Path(sys.argv[2])
schema = json.loads(Path("schemas/article_summary.schema.json").read_text())
expected = sorted(p.stem for p in seeds.glob("*.txt"))
written = sorted(p.stem for p in out.glob("*.json"))
if written != expected:
    sys.exit(f"expected outputs for {expected}, found {written}")
for path in sorted(out.glob("*.json")):
    data = json.loads(path.read_text())
    jsonschema.validate(data, schema)
    meta = data["metadata"]
    print(
        f"{path.name}: valid; attempts {meta['attempts']}, tokens {meta['usage']['total_tokens']}, "
        f"verified {meta['grounding']['verified']}/{meta['grounding']['proposed']}"
    )
