"""The cluster report's example rows show the data as the file holds it."""

import numpy as np
import pandas as pd

from aekit.viz.cluster_report import _example_rows


def test_example_rows_keep_the_files_numbers():
    X = pd.DataFrame({"year": [2007, 2008, 2009, 2009], "mass": [5700.0, 3325.5, 12500.0, 39.2],
                      "sex": ["male", "female", "male", "female"], "ok": [True, False, True, True]})
    labels = np.array([0, 1, 0, 1])
    shown = _example_rows(X, labels, ids=None, k=2, examples=[np.array([0, 2]), np.array([1, 3])])
    assert shown["cluster"].tolist() == [0, 0, 1, 1]
    assert shown["year"].tolist() == ["2007", "2009", "2008", "2009"]  # not "2,007"
    assert shown["mass"].tolist() == ["5700", "12500", "3325.5", "39.2"]  # not "1.25e+04" nor "12,500"
    assert shown["sex"].tolist() == ["male", "male", "female", "female"] and shown["ok"].dtype == bool
