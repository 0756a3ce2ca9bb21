"""Degenerate inputs render sensibly: 0% and 100% options, empty bases, a group of one, strata
without respondents, fully suppressed cross-tabs."""

from __future__ import annotations

import itertools
import math

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from ido_analysis.analysis import tables
from ido_analysis.analysis.crosstab import crosstab
from ido_analysis.analysis.stats import wilson_interval
from ido_analysis.analysis.weights import Weighting
from ido_analysis.core.formatting import fmt_count
from ido_analysis.ingest.clean import clean_export
from ido_analysis.report import chapter, charts
from ido_analysis.report import crosstab_report as cr
from ido_analysis.spec.codebook import load_codebook
from tests.exports import random_export, write_export


@pytest.fixture(scope="module")
def skewed(tmp_path_factory):
    """Five respondents: q03 a chosen by nobody, q03 b by everybody, q18 reached by nobody."""
    folder = tmp_path_factory.mktemp("skewed")
    frame = random_export(5, 11, never=[("q03", "a")], always=[("q03", "b")],
                          unreached=["q18"])
    clean_export(write_export(frame, folder / "export.csv"), folder / "processed")
    return pd.read_parquet(folder / "processed" / "respondents.parquet"), load_codebook(), folder


@pytest.mark.parametrize(("count", "base"), list(itertools.product(range(0, 8), range(1, 8))))
def test_wilson_interval_holds_the_share_and_stays_in_0_1(count, base):
    if count > base:
        return
    for population in (None, 342, base):
        low, high = wilson_interval(count, base, 0.95, population)
        assert 0.0 <= low <= count / base <= high <= 1.0
        if count == 0:
            assert low == 0.0
        if count == base:
            assert high == 1.0


def test_fmt_count_takes_numpy_integers():
    import numpy as np

    assert fmt_count(np.int64(1234)) == "1.234"


def test_bar_chart_with_0_and_100_percent(skewed):
    df, cb, _ = skewed
    table = tables.question_table(df, cb["q03"], confidence=0.95)
    by_option = table.set_index("option")
    assert by_option.loc["a", "percent"] == 0 and by_option.loc["a", "ci_low"] == 0
    assert by_option.loc["b", "percent"] == 100 and by_option.loc["b", "ci_high"] == 100
    fig = charts.bar_chart(table, cb["q03"], show_ci=True)
    plt.close(fig)


def test_question_nobody_reached_is_shown_without_chart(skewed, monkeypatch, tmp_path):
    df, cb, _ = skewed
    shown = []
    monkeypatch.setattr(chapter, "display", shown.append)
    table = chapter.show_question(df, cb["q18"], output_dir=tmp_path)
    assert int(table["base"].max()) == 0
    assert any(chapter.NOBODY_ASKED in str(getattr(s, "data", "")) for s in shown)
    assert (tmp_path / "tables" / "q18.csv").exists()
    assert not (tmp_path / "figures" / "q18.png").exists()


def test_empty_strata_are_left_out_of_weighting(skewed):
    """A base without respondents in some size class: weights are computed on the strata
    present, scaled to their population shares among themselves, and the missing strata are
    named (``Weighting.on``)."""
    df, _, _ = skewed
    one = df.iloc[:1]
    weighting = chapter.weights_for(one, True)
    assert weighting.on(one).tolist() == [1.0]
    counts = {"klein (< 20 000)": 200, "middelgroot (20 000 - 50 000)": 100,
              "groot (50 000 of meer)": 42}
    weights = Weighting("grootteklasse_grof", counts).on(one)
    assert weights.attrs["missing_strata"] == sorted(
        set(counts) - {str(one["grootteklasse_grof"].iloc[0])})
    weights = Weighting("grootteklasse_grof", counts).on(df)
    assert math.isclose(weights.mean(), 1.0)


def test_fully_suppressed_crosstab_renders(skewed, tmp_path):
    df, cb, _ = skewed
    result = crosstab(df, cb["q07"], "grootteklasse_grof", min_cell=5, n_resamples=99)
    cr.present(result, cb["q07"], tmp_path)
    plt.close("all")
