"""Pinned sha256 of every figure a run on the bundled data writes (``figures/*.png``).

Committed notebooks carry no images (``pipeline.execute.drop_binary_outputs``); the figures
are byte-reproducible instead, and the end-to-end test compares their hashes with
``tests/figure_hashes.json``. After an intended change of a chart, re-pin:
``make pin-figures`` (runs the pipeline into a temporary folder and rewrites the JSON).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

PINNED = Path(__file__).with_name("figure_hashes.json")


def figure_hashes(output_dir: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every PNG under ``output_dir/figures``."""
    figures = Path(output_dir) / "figures"
    return {str(p.relative_to(figures)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(figures.rglob("*.png"))}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/figure_hashes.py OUTPUT_DIR", file=sys.stderr)
        return 2
    hashes = figure_hashes(Path(argv[0]))
    PINNED.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"pinned {len(hashes)} figures in {PINNED}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
