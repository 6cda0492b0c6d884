"""The report page of a clustering (``aekit cluster``): the code map coloured by
cluster, examples of each cluster, cluster sizes and, with known labels, the
confusion of clusters against them with ACC / NMI / ARI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from aekit.evaluation.clustering import NO_STRUCTURE_SILHOUETTE, cluster_to_class, clustering_metrics
from aekit.viz.explorer import code_map_figure
from aekit.viz.figures import new_figure, plot_image_rows, save_figure
from aekit.viz.report import write_report

EXAMPLES = 10  # images (or rows) shown per cluster


def cluster_report(clustering, codes: np.ndarray, out, *, X=None, labels=None, image_shape=None, y=None, classes=None,
                   ids: pd.DataFrame | None = None, code_map: str = "tsne", meta: dict | None = None,
                   name: str = "data", seed: int = 0) -> Path:
    """Write ``out/report.html`` for a fitted :class:`aekit.DeepClustering` and its training rows (or new ones).

    Parameters
    ----------
    clustering : DeepClustering
        Fitted; its ``labels_`` are the rows' clusters unless ``labels`` are given.
    codes : numpy.ndarray of shape (n_samples, latent_dim)
        The rows' codes (``clustering.transform(X)``).
    out : str or Path
        Folder for the report and its figures.
    X : numpy.ndarray, optional
        The rows themselves: example images per cluster when ``image_shape`` is
        given, else example rows (the first features) in a table.
    labels : numpy.ndarray, optional
        The rows' clusters, for rows other than the training rows (``clustering.predict(X)``).
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
    labels = np.asarray(clustering.labels_ if labels is None else labels)
    k = int(clustering.n_clusters_)
    sizes = np.bincount(labels, minlength=k)
    confidence = clustering.score_samples(X) if X is not None else None
    unit = "rows" if image_shape is None else "images"
    table = pd.DataFrame([{"method": clustering.method, "clusters": k, unit: len(labels),
                           "smallest cluster": int(sizes.min()), "largest cluster": int(sizes.max()),
                           **({"mean confidence": float(confidence.mean())} if confidence is not None else {}),
                           **(clustering_metrics(y, labels) if y is not None else {})}])
    size_table = pd.DataFrame({"cluster": np.arange(k), unit: sizes, "share": np.round(sizes / max(len(labels), 1), 3)})
    tables = [("Cluster sizes", size_table, f"{unit.capitalize()} assigned to each cluster.")]
    if y is not None:
        tables.append(("Clusters against the known labels", _confusion(labels, y, classes, k),
                       f"{unit.capitalize()} of each cluster by known label; 'matched' is the label each cluster "
                       f"counts as for ACC (the one-to-one matching with most agreeing {unit})."))
    fields = {} if ids is None else {str(c): ids[c].astype(str).to_numpy() for c in list(ids.columns)[:3]}
    if y is not None:
        fields["label"] = np.asarray([str(classes[v]) for v in y] if classes is not None else y)
    if confidence is not None:
        fields["confidence"] = confidence
    figures = [code_map_figure(
        {type(clustering.encoder_).__name__: codes}, out / "code_map.png", colour_by=labels, colour_name="cluster",
        method=code_map, random_state=seed, title=f"Codes in 2-D ({code_map}), coloured by cluster",
        caption=f"Each dot {'a row' if image_shape is None else 'an image'}, coloured by its cluster: compact, "
                "separate colours mean clusters the codes support. Point at a dot for its row"
                + (" and image" if image_shape is not None else "") +
                "; click a cluster in the legend to hide it.",
        fields=fields, images=X if X is not None and image_shape is not None else None, image_shape=image_shape,
        row_name="row", what=unit)]
    scores = getattr(clustering, "n_clusters_scores_", None)
    # a k picked on codes without structure is called a guess at the top and under its curve
    weak = "" if scores is None else _weak_structure_note(scores, clustering.auto_criterion)
    if scores is not None:
        criterion = clustering.auto_criterion
        figures.append((str(_plot_k_scores(scores, k, criterion, out / "n_clusters.png")),
                        f"n_clusters='auto' scored each k on the codes by the {criterion} "
                        f"({'highest' if criterion == 'silhouette' else 'lowest'} wins) and chose {k}: a clear "
                        "peak means the codes hold that many groups; a flat curve means no number stands out."
                        + weak))
    examples = _examples(labels, k, EXAMPLES, seed)
    if X is not None and image_shape is not None:
        rows = {f"cluster {j} ({sizes[j]})": np.asarray(X)[examples[j]] for j in range(k) if sizes[j]}
        figures.append((str(plot_image_rows(rows, image_shape, out / "examples.png", n=EXAMPLES,
                                            title="A random sample of each cluster's images",
                                            figsize=(10, 0.9 * len(rows) + 0.6), equal_rows=False)),
                        "Each row shows images of one cluster, drawn at random from it (not its best members, "
                        "nor the first files): a good cluster looks alike."))
    elif X is not None:
        tables.append(("Example rows per cluster", _example_rows(X, labels, ids, k, examples),
                       f"{min(3, EXAMPLES)} rows of each cluster drawn at random (the first 8 columns)."))
    encoder = clustering.encoder if isinstance(clustering.encoder, str) else "given"
    intro = (f"{len(labels)} {unit} of {name} in {k} clusters by {clustering.method} on the {codes.shape[1]}-D codes "
             f"of an autoencoder ({type(clustering.encoder_).__name__}, encoder {encoder!r}).{weak}")
    return write_report(out / "report.html", title=f"Clusters of {name}", table=table, figures=figures,
                        meta=meta or {}, intro=intro, tables=tables)


def _weak_structure_note(scores: pd.DataFrame, criterion: str) -> str:
    """A sentence for a best silhouette at or below 0.25 (no substantial structure), else nothing."""
    best = float(scores["score"].max())
    if criterion != "silhouette" or best > NO_STRUCTURE_SILHOUETTE:
        return ""
    return (f" Here the best silhouette is {best:.2f}, at or below 0.25: no substantial structure on Kaufman and "
            "Rousseeuw's scale, so the number chosen is a guess; pass the number of groups you expect (--k).")


def _plot_k_scores(scores: pd.DataFrame, chosen: int, criterion: str, path) -> Path:
    """The score of each number of clusters tried by ``n_clusters="auto"``, the chosen one marked."""
    fig, ax = new_figure((6, 3.5), f"Choosing the number of clusters ({criterion})")
    ax.plot(scores["k"], scores["score"], marker="o", markersize=3)
    best = scores[scores["k"] == chosen]
    ax.plot(best["k"], best["score"], marker="o", markersize=9, linestyle="none", color="tab:red",
            label=f"chosen: {chosen}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # k is a count: 2, 4, 6, not 2.5, 5.0, 7.5
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel(criterion)
    ax.legend(frameon=False)
    return save_figure(fig, path)


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


def _examples(labels: np.ndarray, k: int, n: int, seed: int) -> list[np.ndarray]:
    """Up to ``n`` rows of each cluster drawn at random (seeded), in their original order: the
    first rows of a folder sorted by class would show only the misfits of a cluster."""
    rng = np.random.default_rng(seed)
    return [np.sort(rng.permutation(np.flatnonzero(labels == j))[:n]) for j in range(k)]


def _example_rows(X, labels: np.ndarray, ids, k: int, examples: list[np.ndarray]) -> pd.DataFrame:
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X)).add_prefix("x")
    frame = frame.iloc[:, :8].reset_index(drop=True)
    # the data's own numbers as the file has them (a year is 2007, not "2,007"), not a summary's format
    frame = frame.apply(lambda column: column.map("{:.6g}".format) if is_numeric_dtype(column) and not is_bool_dtype(column) else column)
    if ids is not None:
        frame = pd.concat([ids.reset_index(drop=True).astype(str), frame], axis=1)  # an id 1400, not "1,400"
    parts = [frame.iloc[examples[j][:3]].assign(cluster=j) for j in range(k)]
    shown = pd.concat(parts)
    return shown[["cluster", *[c for c in shown.columns if c != "cluster"]]]
