"""All factsheets of the bundled data: ``render_all`` versus the naive loop, plus a synthetic
full response of all 342 municipalities, in one run.

Naive: per municipality, one after another, the ``papermill`` CLI (parameters injected), the
``jupyter nbconvert --to html --no-input`` CLI and the ``weasyprint`` CLI. Fast:
``ido_analysis.pipeline.factsheets.render_all`` (worker pool, one warm kernel per worker,
in-process HTML and PDF). Both start from the same cleaned data in a temporary directory and
write into fresh temporary directories. Then the full response (``ingest.full_response``) is
cleaned and all 342 factsheets are rendered the fast way. Prints times, time per factsheet, the
ratio fast / naive (target <= 0.30) and the load average (the machine may be shared).
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from naive import render_naively

from ido_analysis import pipeline
from ido_analysis.ingest.clean import clean_export
from ido_analysis.ingest.full_response import full_response
from ido_analysis.ingest.linkage import Link, municipality_links
from ido_analysis.pipeline import factsheets
from ido_analysis.spec.reference import load_municipalities


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def naive_run(config: pipeline.PipelineConfig, links: list[Link], out: Path) -> float:
    """papermill + nbconvert + weasyprint command lines per factsheet, sequentially."""
    out.mkdir(parents=True, exist_ok=True)
    kernel = pipeline.kernel_name()
    src = config.notebook_path(factsheets.NOTEBOOK)
    common = factsheets.factsheet_parameters(config)
    start = time.perf_counter()
    common["protection_path"] = str(factsheets.write_protection(
        config, out, release_of(config), io.StringIO()))
    for link, slug in zip(links, factsheets.slugs(links), strict=True):
        params = {**common, "gemeente": link.codes[0], "respondent": link.respondent_id}
        render_naively(src, slug, out, params, kernel)
    return time.perf_counter() - start


def fast_run(config: pipeline.PipelineConfig, links: list[Link], out: Path,
             jobs: int | None) -> float:
    start = time.perf_counter()
    result = factsheets.render_all(config, out, links, jobs=jobs, force=True,
                                   stream=io.StringIO(), release_dir=release_of(config))
    seconds = time.perf_counter() - start
    if result.exit_code or len(result.rendered) != len(links):
        raise SystemExit(f"factsheets failed: {result.failed}")
    return seconds


def release_of(config: pipeline.PipelineConfig) -> Path:
    """A published release of the config's data beside which the factsheets are protected:
    the cross-tabs of the factsheet questions by the comparison grouping, group sizes and
    frequencies (``crosstab_report.write_release_tables``), written once per data set."""
    from ido_analysis.report.crosstab_report import write_release_tables
    from ido_analysis.spec.codebook import load_codebook
    from ido_analysis.spec.factsheet import load_factsheet_spec

    processed = Path(config.overrides["processed_dir"])
    folder = processed.parent / f"release-{processed.name}"
    if not (folder / "tables").is_dir():
        cb = load_codebook()
        spec = load_factsheet_spec(cb)
        df = pd.read_parquet(processed / "respondents.parquet")
        write_release_tables(df, load_municipalities(), cb, [cb[q] for q in spec.questions],
                             [spec.comparison_column], folder,
                             int(config.parameters.get("min_cell", 5)))
    return folder


def prepared(raw: Path, work: Path, name: str) -> tuple[pipeline.PipelineConfig, list[Link]]:
    """Config pointing at ``raw`` and its cleaned copy under ``work``, and the links."""
    processed = work / f"processed-{name}"
    clean_export(raw, processed)
    config = pipeline.apply_overrides(pipeline.load_config(), data=str(raw),
                                      overrides=[f"processed_dir={processed}"])
    return config, municipality_links(raw)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="workers (default: cores)")
    parser.add_argument("--limit", type=int, default=None,
                        help="only the first N municipalities (a quick check of the script)")
    parser.add_argument("--skip-full", action="store_true", help="skip the 342 run")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-factsheets-"))
    try:
        bundled = factsheets.factsheet_parameters(pipeline.load_config())["raw_path"]
        config, links = prepared(Path(bundled), work, "bundled")
        links = links[:args.limit] if args.limit else links
        print(f"cores: {os.cpu_count()}; before: {load()}", flush=True)
        naive = naive_run(config, links, work / "naive")
        print(f"naive done; {load()}", flush=True)
        fast = fast_run(config, links, work / "fast", args.jobs)
        print(f"fast done; {load()}", flush=True)
        n = len(links)
        print(f"factsheets (bundled):  {n}")
        print(f"naive (CLI per sheet): {naive:7.1f} s  ({naive / n:5.2f} s per factsheet)")
        print(f"render_all:            {fast:7.1f} s  ({fast / n:5.2f} s per factsheet)")
        print(f"ratio:                 {fast / naive:7.2f}  (target <= 0.30)")
        if not args.skip_full:
            raw = pd.read_csv(config.overrides["raw_path"], dtype=str, keep_default_na=False,
                              na_values=[""])
            full_csv = work / "volledige_respons.csv"
            full_response(raw, load_municipalities()).to_csv(full_csv, index=False)
            full_config, full_links = prepared(full_csv, work, "full")
            full = fast_run(full_config, full_links, work / "fast-full", args.jobs)
            m = len(full_links)
            print(f"full response:         {m} factsheets, {full:7.1f} s "
                  f"({full / m:5.2f} s per factsheet; bundled {fast / n:5.2f}; "
                  f"ratio {(full / m) / (fast / n):4.2f})")
            print(f"after: {load()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
