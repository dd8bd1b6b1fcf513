"""The Process step's program (XGBoost image, ContainerEntrypoint python3): pass the demo's splits through.

sagecli makes the synthetic dataset on the user's machine (seed and size: SAGECLI_SEED, SAGECLI_ROWS) and
uploads it under the pipeline's InputDataUrl, one folder per split; this job copies each split folder from
its `raw` input to the output of the same name, so every later step reads the outputs of a processing step.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def main(root: Path) -> int:
    raw = root / "input" / "raw"
    splits = sorted(p for p in raw.iterdir() if p.is_dir()) if raw.is_dir() else []
    if not splits:
        print(f"no split folders under {raw}", file=sys.stderr)
        return 1
    copied = 0
    for src in splits:
        out = root / "output" / src.name
        out.mkdir(parents=True, exist_ok=True)
        for f in sorted(p for p in src.iterdir() if p.is_file()):
            shutil.copy2(f, out / f.name)
            copied += 1
    print(f"copied {copied} file(s); seed {os.environ.get('SAGECLI_SEED')}, rows {os.environ.get('SAGECLI_ROWS')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(os.environ.get("SAGECLI_PROCESSING_ROOT", "/opt/ml/processing"))))
