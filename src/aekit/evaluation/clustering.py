"""How well clusters match known classes: accuracy after the best one-to-one
matching of clusters to classes (Hungarian algorithm), NMI and ARI.

Cluster numbers are arbitrary, so accuracy first matches each cluster to one
class, the matching that maximises the number of agreeing samples
(:func:`scipy.optimize.linear_sum_assignment` on the contingency table), as
in the deep-clustering literature (DEC, IDEC, N2D).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix

from aekit.exceptions import DataError
from aekit._docs import fill_doc

# Kaufman and Rousseeuw (1990), "Finding Groups in Data": an average silhouette of 0.25 or less means that
# "no substantial structure has been found". The published line, used as is (not tuned in aekit).
NO_STRUCTURE_SILHOUETTE = 0.25


def _labels(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if len(y_true) != len(y_pred) or len(y_true) == 0:
        raise DataError(f"y_true and y_pred must be non-empty and of the same length, "
                        f"got {len(y_true)} and {len(y_pred)}")
    return y_true, y_pred


@fill_doc
def cluster_to_class(y_true, y_pred) -> dict:
    """The Hungarian matching: cluster label -> class label (clusters beyond the
    number of classes, or the reverse, stay unmatched and are left out).

    Parameters
    ----------
    %(cluster_labels)s

    Returns
    -------
    dict
        Cluster label -> the class it is matched with (the matching that
        agrees on the most samples).

    Raises
    ------
    %(bad_cluster_labels)s

    Examples
    --------
    >>> sorted(cluster_to_class([0, 0, 1, 1], [1, 1, 0, 0]).items())
    [(0, 1), (1, 0)]
    """
    y_true, y_pred = _labels(y_true, y_pred)
    classes, clusters = np.unique(y_true), np.unique(y_pred)
    table = contingency_matrix(y_true, y_pred)  # rows: classes, columns: clusters
    rows, cols = linear_sum_assignment(table, maximize=True)
    return {clusters[c].item(): classes[r].item() for r, c in zip(rows, cols)}


@fill_doc
def clustering_accuracy(y_true, y_pred) -> float:
    """Share of samples whose cluster's matched class is their class (ACC).

    Parameters
    ----------
    %(cluster_labels)s

    Returns
    -------
    float in [0, 1]

    Raises
    ------
    %(bad_cluster_labels)s

    Examples
    --------
    >>> clustering_accuracy([0, 0, 1, 1, 2], [2, 2, 0, 0, 0])
    0.8
    """
    y_true, y_pred = _labels(y_true, y_pred)
    table = contingency_matrix(y_true, y_pred)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / len(y_true))


@fill_doc
def clustering_metrics(y_true, y_pred) -> dict[str, float]:
    """ACC (Hungarian), NMI and ARI of cluster labels against known classes.

    Parameters
    ----------
    %(cluster_labels)s

    Raises
    ------
    %(bad_cluster_labels)s

    Returns
    -------
    dict with keys ``"acc"``, ``"nmi"``, ``"ari"``

    Examples
    --------
    >>> clustering_metrics([0, 0, 1, 1], [1, 1, 0, 0])
    {'acc': 1.0, 'nmi': 1.0, 'ari': 1.0}
    """
    y_true, y_pred = _labels(y_true, y_pred)
    return {"acc": clustering_accuracy(y_true, y_pred),
            "nmi": float(normalized_mutual_info_score(y_true, y_pred)),
            "ari": float(adjusted_rand_score(y_true, y_pred))}
