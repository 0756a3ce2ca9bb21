"""Command line: ``ido-analysis generate | clean | inspect | run | factsheets``.

Each sub-command's work lives in its own module; this file only parses arguments, so that
``ido-analysis --help`` stays fast (modules are imported when their command runs).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _generate(args: argparse.Namespace) -> int:
    from ido_analysis.ingest.generate import cli_generate

    return cli_generate(args)


def _clean(args: argparse.Namespace) -> int:
    from ido_analysis.ingest.clean import cli_clean

    return cli_clean(args)


def _inspect(args: argparse.Namespace) -> int:
    from ido_analysis.ingest.inspect import cli_inspect

    return cli_inspect(args)


def _run(args: argparse.Namespace) -> int:
    from ido_analysis.pipeline import cli_run

    return cli_run(args)


def _factsheets(args: argparse.Namespace) -> int:
    from ido_analysis.pipeline.factsheets import cli_factsheets

    return cli_factsheets(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ido-analysis",
        description="Reproducible analysis of the 2025 IDO regierol survey.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write the synthetic (reconstructed) raw export")
    gen.add_argument("--output", default=None, help="file to write (default: data/raw/...)")
    gen.add_argument("--seed", type=int, default=None, help="seed (default: assumptions file)")
    gen.add_argument("--check", action="store_true",
                     help="do not write; exit 1 if the committed file differs")
    gen.set_defaults(func=_generate)

    cln = sub.add_parser("clean", help="validate and clean a raw export into data/processed/")
    cln.add_argument("--data", required=True, help="raw export (.csv, .xlsx or .sav)")
    cln.add_argument("--output", default=None, help="output directory (default: data/processed)")
    cln.add_argument("--reference", default=None, help="CBS reference CSV")
    cln.add_argument("--mapping", default=None,
                     help="column mapping of a survey-tool export (kolomkoppeling CSV); wins "
                          "over the automatic mapping")
    cln.set_defaults(func=_clean)

    ins = sub.add_parser("inspect", help="show how an export would be read; writes nothing")
    ins.add_argument("--data", required=True, help="export (.csv, .xlsx or .sav, any tool)")
    ins.add_argument("--mapping", default=None, help="column mapping to apply (as for clean)")
    ins.add_argument("--all", action="store_true", help="list every column, not only open ones")
    ins.set_defaults(func=_inspect)

    run = sub.add_parser("run", help="run all notebooks and render HTML/PDF into reports/")
    run.add_argument("--data", default=None, help="raw export (default: the bundled one)")
    run.add_argument("--output", default=None, help="output directory (default: reports/)")
    run.add_argument("--only", nargs="+", default=None, help="run only these notebooks")
    run.add_argument("--config", default=None, help="pipeline config (default: pipeline.yaml)")
    run.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="KEY=VALUE", help="override a notebook parameter (repeatable)")
    run.add_argument("--mapping", default=None,
                     help="column mapping of a survey-tool export (see clean --mapping)")
    run.add_argument("--force", action="store_true", help="ignore the cache, run everything")
    run.add_argument("--jobs", type=int, default=None, help="parallel notebooks (default: cores)")
    run.add_argument("--update-notebooks", action="store_true",
                     help="re-execute notebooks/*.ipynb in place with their default parameters "
                          "and strip volatile metadata (what strict nbval checks)")
    run.set_defaults(func=_run)

    fac = sub.add_parser("factsheets", help="render one confidential factsheet per responding "
                                            "municipality into reports/factsheets/")
    fac.add_argument("--data", default=None, help="raw export (default: the bundled one)")
    fac.add_argument("--mapping", default=None,
                     help="column mapping of a survey-tool export (see clean --mapping)")
    fac.add_argument("--output", default=None,
                     help="output directory (default: reports/factsheets; mode 0700)")
    fac.add_argument("--run", default=None, metavar="DIR",
                     help="output folder of the run (ido-analysis run --output) whose published "
                          "tables the factsheets are protected with (default: reports)")
    fac.add_argument("--only", nargs="+", default=None, metavar="GEMEENTE",
                     help="only these municipalities (CBS code or name)")
    fac.add_argument("--config", default=None, help="pipeline config (default: pipeline.yaml)")
    fac.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="KEY=VALUE", help="override a parameter, e.g. min_cell=10")
    fac.add_argument("--force", action="store_true", help="ignore the cache, render everything")
    fac.add_argument("--jobs", type=int, default=None, help="parallel workers (default: cores)")
    fac.set_defaults(func=_factsheets)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
