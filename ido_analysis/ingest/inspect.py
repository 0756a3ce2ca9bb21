"""``ido-analysis inspect``: how an export would be read, without writing anything.

Shows the detected tool and header rows, the mapping of every tool column to the codebook with
its rule and score, the metadata that would be dropped (personal data by column name only),
the preview/incomplete decisions with counts, and the open points that would stop ``clean``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ido_analysis.ingest.decode import response_filter
from ido_analysis.ingest.mapping import MappingRow, lowest_score, open_points
from ido_analysis.ingest.reader import ExportError
from ido_analysis.ingest.tool_import import describe_open_points, inspect_mapping
from ido_analysis.ingest.tool_table import load_tools
from ido_analysis.spec.codebook import load_codebook


def report_lines(rows: list[MappingRow], show_all: bool) -> list[str]:
    """One line per mapped column (all, or only the lowest scores and open points)."""
    lines = []
    shown = rows if show_all else sorted(
        (r for r in rows if r.score is not None), key=lambda r: r.score)[:10]
    for r in shown:
        pos = "-" if r.position is None else str(r.position + 1)
        score = "" if r.score is None else f"{r.score:.3f}"
        lines.append(f"  {pos:>4} {r.key[:18]:<18} -> {r.target or '?':<22} {r.rule:<15} "
                     f"{score:>6}  {r.tool_text[:60]}")
    return lines


def cli_inspect(args: Any) -> int:
    """Print the inspection of ``args.data``; 0 when clean would go ahead, 1 otherwise."""
    codebook = load_codebook()
    try:
        table, rows = inspect_mapping(args.data, codebook, getattr(args, "mapping", None))
    except ExportError as exc:
        print(f"Fout bij inlezen: {exc}")
        return 1
    print(f"Bestand: {args.data}")
    print(f"Herkend als: {table.title} ({table.format}, {table.header_rows} kopregel(s), "
          f"{table.n_rows} rijen met antwoorden)")
    if rows is None:
        print("Eigen vorm: kolommen zijn codeboekkolommen; 'ido-analysis clean' valideert.")
        return 0
    kinds = Counter(r.kind or "open punt" for r in rows if r.position is not None)
    print("Kolommen per soort: " + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())))
    print(f"Laagste koppelscore: {lowest_score(rows)}")
    dropped = [r for r in rows if r.target in ("metadata:personal", "metadata:drop")]
    print(f"Wordt verwijderd ({len(dropped)} kolommen): "
          + ", ".join(f"{r.key} ({r.target.split(':')[1]})" for r in dropped))
    problems = open_points(rows)
    if not problems:
        _, counts = response_filter(table, rows, load_tools())
        print(f"Regel: {counts['regel']}; voorbeeld/test verwijderd: "
              f"{counts['voorbeeld_of_test']}; onvolledig verwijderd: "
              f"{counts['onvolledig_verwijderd']}; onvolledig behouden: "
              f"{counts['onvolledig_behouden']}")
    title = "Koppeling" if args.all else "Koppeling (laagste scores; --all voor alles)"
    print(f"\n{title}:")
    print("\n".join(report_lines(rows, bool(args.all))))
    if problems:
        print("\n" + describe_open_points(args.data, table, problems))
        return 1
    print("\nAlle kolommen eenduidig gekoppeld: 'ido-analysis clean' kan zonder koppelbestand.")
    return 0
