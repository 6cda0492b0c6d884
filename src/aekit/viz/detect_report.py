"""The HTML report of an anomaly detector on labelled test data.

The table compares the detector with IsolationForest and PCA reconstruction
error fitted on the same normal rows (when they are given); the figures show
the score histograms of normal and anomalous samples with the threshold, ROC
and precision-recall curves, and the most anomalous test samples with where
their scores come from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score, roc_auc_score

from aekit.exceptions import DataError

N_SHOWN = 8
TRUTH_COLOURS = {"normal": "#8da0b3", "anomaly": "#ff7f0e"}  # grey-blue and orange; red rings mark the flagged


def baseline_scores(X_train, X_test, seed: int = 0) -> dict[str, np.ndarray]:
    """IsolationForest and PCA reconstruction error (components: half the features, at most 32)."""
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest

    forest = IsolationForest(random_state=seed).fit(X_train)
    pca = PCA(min(32, max(1, X_train.shape[1] // 2)), random_state=seed).fit(X_train)
    error = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2, axis=1)
    return {"IsolationForest": -forest.score_samples(X_test), "PCA": error}


def _numeric(detector, X_train, X_test) -> tuple[np.ndarray, np.ndarray]:
    """The rows as numbers for the baselines: a table with text columns one-hot encoded (and its
    numbers scaled) as the detector's model sees it; anything else as it is."""
    from aekit.data.tabular import TabularPreprocessor

    prep = getattr(getattr(detector, "estimator_", None), "scaler_", None)
    if isinstance(prep, TabularPreprocessor):
        return prep.transform(X_train), prep.transform(X_test)
    return np.asarray(X_train), np.asarray(X_test)


def detector_report(detector, X_test, y_test, out, *, X_train=None, image_shape=None, name: str = "detector",
                    seed: int = 0, command: str = "", code_map: str = "tsne") -> Path:
    """Write ``out/report.html`` (+ ``results.csv`` and ``figures/``); return the report's path.

    ``y_test``: 1 = anomaly, 0 = normal. ``X_train``: the normal rows the
    detector was fitted on, to fit the baselines on (optional; a table with
    text columns is one-hot encoded for them as for the detector).
    ``code_map``: how the test rows' codes are drawn in 2-D ("tsne", "umap" or
    "pca"), in the interactive map where the rows above the threshold are ringed.
    """
    from aekit.data.tabular import take_rows
    from aekit.viz import plot_score_histogram, write_report
    from aekit.viz.anomaly import plot_explanations, plot_roc_pr

    out = Path(out)
    y_test = np.asarray(y_test).astype(int)
    if np.unique(y_test).size != 2:
        raise DataError(f"y_test: expected both normal (0) and anomalous (1) samples, got only {np.unique(y_test)}")
    scores = {name: detector.decision_function(X_test)}
    if X_train is not None:
        scores.update(baseline_scores(*_numeric(detector, X_train, X_test), seed))
    flagged = detector.predict(X_test)
    table = pd.DataFrame([{"detector": method, "auroc": roc_auc_score(y_test, s),
                           "average_precision": average_precision_score(y_test, s)} for method, s in scores.items()])
    at_threshold = {"precision": precision_score(y_test, flagged, zero_division=0),
                    "recall": recall_score(y_test, flagged), "f1": f1_score(y_test, flagged),
                    "flagged_share": flagged.mean()}
    for column, value in at_threshold.items():
        table.loc[0, column] = value
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "results.csv", index=False)
    figures = [(plot_score_histogram(scores[name], out / "figures" / "scores.png", detector.threshold_, y_test,
                                     title=f"{name}: test scores ({detector.threshold_rule_} threshold)"),
                "Scores of normal and anomalous test samples; the dashed line is the threshold."),
               (plot_roc_pr(y_test, scores, out / "figures" / "roc_pr.png"),
                "ROC and precision-recall curves of every method on the same test samples.")]
    codes = detector.estimator_.transform(X_test)
    if codes.ndim == 2 and codes.shape[1] >= 2:  # (a 1-D code has no map)
        figures.append(_code_map(detector, codes, scores[name], flagged, y_test, out, name=name, method=code_map,
                                 seed=seed, images=X_test if image_shape is not None else None,
                                 image_shape=image_shape))
    if detector.explained_score_ is not None:
        top = np.argsort(-scores[name])[:N_SHOWN]
        labels = [f"#{i} {'anomaly' if y_test[i] else 'normal'}" for i in top]
        rows = take_rows(X_test, top)  # a table with text columns stays a DataFrame
        shares = detector.explain(rows)
        shown = np.asarray(rows) if image_shape is not None else shares  # a table's bars need only the shares
        figures.append((plot_explanations(shown, shares,
                                          out / "figures" / "most_anomalous.png", image_shape=image_shape,
                                          names=detector.feature_names_, row_labels=labels),
                        f"The {len(top)} most anomalous test samples and each feature's share of their score "
                        f"({detector.explained_score_})."))
    meta = {"command": command, "model": f"{detector.model} ({type(detector.estimator_).__name__})",
            "threshold": f"{detector.threshold_:.6g} ({detector.threshold_rule_})", "seed": str(seed),
            "test samples": f"{len(y_test)} ({y_test.sum()} anomalous)"}
    return write_report(out / "report.html", title=f"Anomaly detection: {name}", table=table, figures=figures,
                        meta=meta, intro="Precision, recall and F1 are those of the detector's own threshold; "
                                         "AUROC and average precision rank every method on the same samples.")


def _code_map(detector, codes, scores, flagged, y_test, out: Path, *, name: str, method: str, seed: int,
              images, image_shape) -> tuple:
    """The test rows' codes in 2-D, normal and anomalous coloured apart, those above the threshold ringed."""
    from aekit.viz.explorer import code_map_figure

    threshold = "above the threshold"
    return code_map_figure(
        {name: codes}, out / "figures" / "code_map.png", colour_by=np.where(y_test == 1, "anomaly", "normal"),
        colour_name="truth", colours=TRUTH_COLOURS, method=method, random_state=seed, fields={"anomaly score": scores},
        flagged=flagged, flag_name=threshold, images=images, image_shape=image_shape,
        title=f"{name}: test codes in 2-D, normal and anomalous samples",
        caption="The detector's codes of the test samples: anomalies that sit among the normal ones are the "
                "hard cases for a reconstruction score. Red rings mark the samples " + threshold +
                f" ({detector.threshold_:.4g}); point at a dot for its score" + (" and image" if image_shape is not None else "") + ".")
