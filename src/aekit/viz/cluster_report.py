"""The report page of a clustering (``aekit cluster``): the code map coloured by
cluster, examples of each cluster, cluster sizes and, with known labels, the
confusion of clusters against them with ACC / NMI / ARI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from aekit.evaluation.clustering import cluster_to_class, clustering_metrics
from aekit.viz.explorer import code_map_figure
from aekit.viz.figures import plot_image_rows
from aekit.viz.report import write_report

EXAMPLES = 10  # images (or rows) shown per cluster


def cluster_report(clustering, codes: np.ndarray, out, *, X=None, image_shape=None, y=None, classes=None,
                   ids: pd.DataFrame | None = None, code_map: str = "tsne", meta: dict | None = None,
                   name: str = "data", seed: int = 0) -> Path:
    """Write ``out/report.html`` for a fitted :class:`aekit.DeepClustering` and its training rows.

    Parameters
    ----------
    clustering : DeepClustering
        Fitted; its ``labels_`` are the rows' clusters.
    codes : numpy.ndarray of shape (n_samples, latent_dim)
        The rows' codes (``clustering.transform(X)``).
    out : str or Path
        Folder for the report and its figures.
    X : numpy.ndarray, optional
        The rows themselves: example images per cluster when ``image_shape`` is
        given, else example rows (the first features) in a table.
    y, classes : optional
        Known labels of the rows (and their names): the confusion and ACC / NMI / ARI.
    ids : pandas.DataFrame, optional
        Id columns (or image files) of the rows, shown beside the example rows.
    code_map : {"tsne", "umap", "pca"}
        How codes are drawn in 2-D.
    meta : dict, optional
        How the clustering was made (command, data, seed), shown last.

    Returns
    -------
    Path of the report.
    """
    out = Path(out)
    labels = np.asarray(clustering.labels_)
    k = int(clustering.n_clusters_)
    sizes = np.bincount(labels, minlength=k)
    confidence = clustering.score_samples(X) if X is not None else None
    table = pd.DataFrame([{"method": clustering.method, "clusters": k, "rows": len(labels),
                           "smallest cluster": int(sizes.min()), "largest cluster": int(sizes.max()),
                           **({"mean confidence": float(confidence.mean())} if confidence is not None else {}),
                           **(clustering_metrics(y, labels) if y is not None else {})}])
    size_table = pd.DataFrame({"cluster": np.arange(k), "rows": sizes, "share": sizes / max(len(labels), 1)})
    tables = [("Cluster sizes", size_table, "Rows assigned to each cluster.")]
    if y is not None:
        tables.append(("Clusters against the known labels", _confusion(labels, y, classes, k),
                       "Rows of each cluster by known label; 'matched' is the label each cluster counts as "
                       "for ACC (the one-to-one matching with most agreeing rows)."))
    fields = {} if ids is None else {str(c): ids[c].astype(str).to_numpy() for c in list(ids.columns)[:3]}
    if y is not None:
        fields["label"] = np.asarray([str(classes[v]) for v in y] if classes is not None else y)
    if confidence is not None:
        fields["confidence"] = confidence
    figures = [code_map_figure(
        {type(clustering.encoder_).__name__: codes}, out / "code_map.png", colour_by=labels, colour_name="cluster",
        method=code_map, random_state=seed, title=f"Codes in 2-D ({code_map}), coloured by cluster",
        caption="Each dot a row, coloured by its cluster: compact, separate colours mean clusters the codes "
                "support. Point at a dot for its row" + (" and image" if image_shape is not None else "") +
                "; click a cluster in the legend to hide it.",
        fields=fields, images=X if X is not None and image_shape is not None else None, image_shape=image_shape,
        row_name="row", what="rows")]
    if X is not None and image_shape is not None:
        rows = {f"cluster {j} ({sizes[j]})": np.asarray(X)[labels == j][:EXAMPLES] for j in range(k) if sizes[j]}
        figures.append((str(plot_image_rows(rows, image_shape, out / "examples.png", n=EXAMPLES,
                                            title="The first images of each cluster", figsize=(10, 0.9 * len(rows) + 0.6))),
                        "Each row shows images of one cluster: a good cluster looks alike."))
    elif X is not None:
        tables.append(("Example rows per cluster", _example_rows(X, labels, ids, k),
                       f"The first {min(3, EXAMPLES)} rows of each cluster (the first 8 columns)."))
    intro = (f"{len(labels)} rows of {name} in {k} clusters by {clustering.method} on the codes of "
             f"the autoencoder {type(clustering.encoder_).__name__}.")
    return write_report(out / "report.html", title=f"Clusters of {name}", table=table, figures=figures,
                        meta=meta or {}, intro=intro, tables=tables)


def _confusion(labels: np.ndarray, y, classes, k: int) -> pd.DataFrame:
    y = np.asarray(y)
    names = [str(classes[c]) if classes is not None else str(c) for c in np.unique(y)]
    counts = pd.crosstab(pd.Series(labels, name="cluster"), pd.Series(y, name="label"))
    counts = counts.reindex(index=range(k), fill_value=0)
    counts.columns = names
    matching = cluster_to_class(y, labels)
    counts.insert(0, "matched", [names[list(np.unique(y)).index(matching[j])] if j in matching else "-"
                                 for j in range(k)])
    return counts.reset_index()


def _example_rows(X, labels: np.ndarray, ids, k: int) -> pd.DataFrame:
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X)).add_prefix("x")
    frame = frame.iloc[:, :8].reset_index(drop=True)
    if ids is not None:
        frame = pd.concat([ids.reset_index(drop=True), frame], axis=1)
    parts = [frame[labels == j].head(3).assign(cluster=j) for j in range(k)]
    shown = pd.concat(parts)
    return shown[["cluster", *[c for c in shown.columns if c != "cluster"]]]
