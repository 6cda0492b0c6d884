"""The results table's note speaks of bold values only where some value is bold."""

import pandas as pd

from aekit.viz import write_report


def test_one_row_has_no_bold_and_no_sentence_about_it(tmp_path):
    # a clustering's report has one row: the note said "Bold marks the best value" over a table with no bold
    one = pd.DataFrame([{"method": "kmeans", "acc": 0.42, "nmi": 0.18}])
    page = write_report(tmp_path / "one.html", title="t", table=one, figures=[], meta={}).read_text()
    assert 'class="num best"' not in page and "Bold marks" not in page and "Higher is better: acc, nmi." in page
    two = pd.DataFrame([{"model": "pca", "test_mse": 0.5}, {"model": "ae", "test_mse": 0.4}])
    page = write_report(tmp_path / "two.html", title="t", table=two, figures=[], meta={}).read_text()
    assert 'class="num best"' in page and "Bold marks the best value in each column." in page


def test_columns_given_no_direction_get_no_bold(tmp_path):
    # rows that are no rivals (the columns of one table, in a completion report): "error" alone guesses "min"
    rows = pd.DataFrame([{"column": "age", "error": 0.9, "baseline error": 1.0},
                         {"column": "income", "error": 0.5, "baseline error": 1.1}])
    page = write_report(tmp_path / "none.html", title="t", table=rows, figures=[], meta={},
                        better={"error": None, "baseline error": None}).read_text()
    assert 'class="num best"' not in page and "Bold marks" not in page and "is better" not in page
    page = write_report(tmp_path / "guessed.html", title="t", table=rows, figures=[], meta={}).read_text()
    assert 'class="num best"' in page and "Lower is better: error, baseline error." in page
