"""Code sizes of the families whose defaults are not the dense autoencoder's: clustering's encoder
follows "auto" with DEC's 10 as its largest size."""

from __future__ import annotations

import numpy as np
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
