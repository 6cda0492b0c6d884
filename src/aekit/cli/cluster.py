"""``aekit cluster``: find groups in data with :class:`aekit.DeepClustering`;
write the labels, the model file and a report page.

Like the rest of the CLI, torch and the estimators are imported inside the command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np
import typer

from aekit.cli._common import (NUM_THREADS, command_line, console, drop_option, id_option, image_size_option, label_option,
                               parse_hidden, parse_latent, parse_size, remember_contract, skip_unreadable_option)
from aekit.estimators.presets import PRESETS

METHODS = ("kmeans", "gmm", "n2d", "dec", "idec")
CODE_MAPS = ("tsne", "umap", "pca")


def cluster(
    data: str = typer.Option(..., "--data", "-d", help="A dataset name, a CSV/Parquet/NPY table or a folder of images."),
    k: Optional[str] = typer.Option(None, "--k", help="Number of clusters, or 'auto' (picked by the silhouette of "
                                    "k-means on the codes, 2 to --max-k). Required unless --model is a clustering's "
                                    "model file."),
    method: Optional[str] = typer.Option(None, "--method", help=f"One of: {', '.join(METHODS)} (default: kmeans)."),
    model: str = typer.Option("ae", "--model", "-m", help=f"The autoencoder: one of {', '.join(PRESETS)}; or a "
                              "model file: one written by `aekit cluster` assigns the rows of --data to its "
                              "clusters (no training; leave out --k and --method), an autoencoder's (`aekit "
                              "train`) is used as the pretrained encoder."),
    latent: str = typer.Option("auto", "--latent", help="Code size, or 'auto': the fewest principal components "
                               "explaining 90% of the variance, at most 10 (DEC's size) and half the columns."),
    hidden: str = typer.Option("auto", "--hidden", help="Hidden layer sizes, comma-separated (dense models), or "
                               "'auto': DEC's 500,500,2000 from 1,000 rows up, the model's own below."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Maximum pretraining epochs (default: the model's own 'auto' budget, counted in optimiser steps)."),
    max_k: int = typer.Option(20, "--max-k", help="Largest number of clusters --k auto tries."),
    code_map: str = typer.Option("tsne", "--code-map", help="2-D map of codes in the report: tsne, umap or pca."),
    seed: int = typer.Option(0, "--seed"),
    out: Path = typer.Option(Path("runs/cluster"), "--out", "-o", help="Output folder."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    label: Optional[str] = label_option(),
    drop: Optional[str] = drop_option(),
    ids: Optional[str] = id_option(),
    image_size: Optional[str] = image_size_option(),
    skip_unreadable: bool = skip_unreadable_option(),
    num_threads: Optional[int] = NUM_THREADS,
) -> None:
    """Cluster the rows of DATA on an autoencoder's codes.

    Writes OUT/labels.csv (one row per input row: its id columns or image
    file, the cluster, the confidence of the assignment and, with labels,
    the true label), OUT/model.safetensors (load it with aekit.load and
    predict on new rows) and OUT/report.html (the code map coloured by
    cluster, examples of each cluster, cluster sizes and, with labels, the
    confusion against them with ACC / NMI / ARI) and OUT/run.json (the
    command, the clusters and, with labels, ACC / NMI / ARI). Labels
    (--label, a named dataset's, class subfolders) are used for scoring only.
    """
    from aekit import DeepClustering
    from aekit.evaluation.clustering import clustering_metrics
    from aekit.viz.cluster_report import cluster_report

    if method is not None and method not in METHODS:
        raise typer.BadParameter(f"--method expects one of {', '.join(METHODS)}, got {method!r}")
    if code_map not in CODE_MAPS:
        raise typer.BadParameter(f"--code-map expects one of {', '.join(CODE_MAPS)}, got {code_map!r}")
    saved = _saved_model(model)
    if isinstance(saved, DeepClustering) and (k is not None or method is not None):
        raise typer.BadParameter(f"--model {model} is a fitted clustering ({saved.n_clusters_} clusters, "
                                 f"{saved.method}): it assigns rows to its clusters; leave out --k and --method")
    n_clusters = None if isinstance(saved, DeepClustering) else _parse_k(k)
    X, y, classes, row_ids, image_shape, name, table = _rows(data, label, drop, ids, image_size, skip_unreadable,
                                                              _contract(saved))
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(saved, DeepClustering):  # new rows into the clusters of a saved clustering
        clustering, labels, written = saved, saved.predict(X), None
    else:
        from aekit._threads import intra_op_threads

        clustering = DeepClustering(n_clusters, method=method or "kmeans", encoder=saved or model,
                                    encoder_params=None if saved is not None else _encoder_params(
                                        latent, hidden, epochs, quiet, image_shape),
                                    max_clusters=max_k, random_state=seed)
        with intra_op_threads(num_threads):
            clustering.fit(X)
        if table is not None:
            remember_contract(clustering, table)  # its file then reads new tables by column name
        labels, written = clustering.labels_, clustering.save(out / "model.safetensors")
    _write_labels(out / "labels.csv", clustering, X, labels, row_ids, y, classes)
    command = command_line()
    run = {"command": command, "data": data, "method": clustering.method, "model": model,
           "k": k if written else None, "n_clusters": clustering.n_clusters_, "seed": seed, "rows": len(X),
           "assigned_by": None if written else model,
           # against the known labels (--label, a named dataset's, class subfolders); null without them
           **(clustering_metrics(y, labels) if y is not None else dict.fromkeys(("acc", "nmi", "ari")))}
    (out / "run.json").write_text(json.dumps(run, indent=2))
    report = cluster_report(clustering, clustering.transform(X), out, X=X, labels=labels, image_shape=image_shape,
                            y=y, classes=classes, ids=row_ids, code_map=code_map, name=name, seed=seed,
                            meta={"command": command, "data": data, "seed": str(seed), "model": model,
                                  "method": clustering.method})
    sizes = np.bincount(labels, minlength=clustering.n_clusters_)
    how = (f"{clustering.method} on {model} codes" if written else f"assigned by {model}")
    files = ", ".join(str(p) for p in (out / "labels.csv", written, report) if p is not None)
    console.print(f"{len(X)} {'rows' if image_shape is None else 'images'} of {name} in {clustering.n_clusters_} clusters ({how}; "
                  f"sizes {sizes.min()} to {sizes.max()}); wrote {files}")


def _encoder_params(latent: str, hidden: str, epochs, quiet: bool, image_shape) -> dict:
    """The preset encoder's settings from the command's options."""
    params = {"latent_dim": parse_latent(latent), "verbose": 0 if quiet else 1,
              **({"hidden": parse_hidden(hidden)} if hidden != "auto" else {}),
              **({"max_epochs": epochs} if epochs is not None else {})}
    if image_shape is not None:  # images: scaled to [0, 1]; a convolutional model sees their shape
        params.update(scaling="minmax", image_shape=image_shape)
    return params


def _saved_model(model: str):
    """The estimator in a model file named by --model, or None for a preset name."""
    path = Path(model)
    if model in PRESETS or not (path.is_file() or path.suffix == ".safetensors"):
        if model not in PRESETS:
            raise typer.BadParameter(f"--model expects one of {', '.join(PRESETS)} or a model file, got {model!r}")
        return None
    from aekit.io import load

    return load(path)  # a missing or broken file is one clear ModelFileError


def _contract(saved):
    """The columns a saved model reads (None for a preset, which reads the file as it is)."""
    if saved is None:
        return None
    from aekit.data import contract_of

    return contract_of(saved)


def _write_labels(path: Path, clustering, X, labels, row_ids, y, classes) -> None:
    """One row per input row: its id columns (or image file), cluster, confidence and known label."""
    import pandas as pd

    table = pd.DataFrame({"row": np.arange(len(X)), "cluster": labels, "confidence": clustering.score_samples(X)})
    if row_ids is not None:
        table = pd.concat([row_ids.reset_index(drop=True), table], axis=1)
    if y is not None:
        table["true_label"] = [classes[v] for v in y] if classes is not None else y
    table.to_csv(path, index=False)


def _parse_k(text: Optional[str]):
    if text is None:
        raise typer.BadParameter("--k is required: a number of clusters (>= 2) or 'auto' (or --model naming a "
                                 "clustering's model file, to assign rows to its clusters)")
    if text.strip().lower() == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        raise typer.BadParameter(f"--k expects a number of clusters (>= 2) or 'auto', got {text!r}") from None
    if value < 2:
        raise typer.BadParameter(f"--k expects a number of clusters >= 2 or 'auto', got {value}")
    return value


def _rows(data: str, label, drop, ids, image_size, skip_unreadable, contract=None):
    """Every row of DATA: (X, y, classes, id columns or image files, image_shape, name, the table or None);
    a table's columns are a saved model's (``contract``) where one is given."""
    import pandas as pd

    from aekit.data import DATASET_NAMES, load_dataset, load_table, read_image_folder

    path = Path(data)
    if path.is_dir():
        images = read_image_folder(path, size=parse_size(image_size), skip_unreadable=skip_unreadable)
        return (images.X, images.y, images.classes, pd.DataFrame({"file": images.files}), images.image_shape,
                path.name or str(path), None)
    if path.is_file():
        table = load_table(path, label=label, drop=drop, ids=ids, contract=contract)
        return table.features(), table.y, table.classes, table.ids, None, path.name, table
    if label is not None or drop or ids:
        raise typer.BadParameter(f"--label / --drop / --id apply to table files; {data} is not a file")
    if data.strip().lower().replace("_", "-") not in DATASET_NAMES:
        raise typer.BadParameter(f"no such file, folder or dataset: {data}; expected a path or one of "
                                 f"{', '.join(DATASET_NAMES)}")
    dataset = load_dataset(data)
    X = dataset.X_train if dataset.X_test is None else np.concatenate([dataset.X_train, dataset.X_test])
    y = dataset.y_train if dataset.X_test is None or dataset.y_train is None else np.concatenate(
        [dataset.y_train, dataset.y_test])
    return X, y, dataset.classes, None, dataset.image_shape, dataset.name, None
