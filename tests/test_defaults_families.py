"""Code sizes of the families whose defaults are not the dense autoencoder's: clustering's encoder
follows "auto" with DEC's 10 as its largest size."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris

from aekit import DeepClustering

FAST = {"hidden": (16,), "max_epochs": 2}


def test_clustering_code_is_auto_at_most_decs_10(digits):
    iris = load_iris().data
    narrow = DeepClustering(3, encoder_params=FAST, random_state=0).fit(iris)
    assert narrow.encoder_.latent_dim_ == 2  # not 10 codes for 4 columns
    wide = DeepClustering(10, encoder_params=FAST, random_state=0).fit(digits[0][:400])
    assert wide.encoder_.latent_dim_ == 10  # 64 pixels: DEC's size, as in the papers
    fixed = DeepClustering(3, encoder_params={**FAST, "latent_dim": 3}, random_state=0).fit(iris)
    assert fixed.encoder_.latent_dim_ == 3
    assert np.unique(narrow.labels_).size == 3


def test_autorec_auto_kind_trains_on_the_side_with_enough_rows():
    """A 25-question survey answered by 400 people: I-AutoRec would train on 25 rows (one per
    question); "auto" takes U-AutoRec (400 rows), which beats the item means."""
    import pandas as pd

    from aekit import AutoRec

    rng = np.random.default_rng(0)
    trait = rng.normal(size=(400, 1))
    loading = rng.choice([-1.0, 1.0], size=(1, 25))
    answers = np.clip(np.round(3.5 + 1.2 * trait @ loading + rng.normal(0, 0.5, (400, 25))), 1, 6)
    table = pd.DataFrame([(u, i, answers[u, i]) for u in range(400) for i in range(25)],
                         columns=["user", "item", "rating"])
    held = rng.random(len(table)) < 0.1
    train, test = table[~held], table[held]
    rec = AutoRec(hidden=32, max_epochs=60, random_state=0).fit(train)
    assert rec.kind == "auto" and rec.kind_ == "user"
    rmse = np.sqrt(np.mean((rec.predict(test["user"], test["item"]) - test["rating"]) ** 2))
    item_mean = np.sqrt(np.mean((test["item"].map(train.groupby("item")["rating"].mean()) - test["rating"]) ** 2))
    assert rmse < 0.8 * item_mean
    assert AutoRec()._resolved_kind(n_users=671, n_items=9066) == "item"  # movielens-small: as before
    assert AutoRec()._resolved_kind(n_users=6040, n_items=3706) == "item"  # ml-1m: as before
    with pytest.raises(ValueError, match="kind must be one of"):
        AutoRec(kind="items")._resolved_kind(10, 10)
