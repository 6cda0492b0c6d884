"""What recommender families share: the training interactions stored in the
model (as CSR buffers, so they travel in the model file and are never dense)
and the config fields that size them."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from aekit.models.base import BaseAutoencoder, ModelConfig


@dataclasses.dataclass
class RecommenderConfig(ModelConfig):
    """Sizes of the user x item matrix a recommender was fitted on."""

    n_users: int = 1
    n_items: int = 1
    n_interactions: int = 0

    def validate(self) -> None:
        if self.n_users < 1 or self.n_items < 1 or self.n_interactions < 0:
            raise ValueError(f"a recommender needs n_users >= 1, n_items >= 1 and n_interactions >= 0, got "
                             f"{self.n_users}, {self.n_items}, {self.n_interactions}")


class InteractionStore(nn.Module):
    """A users x items CSR matrix held in three buffers (indptr, indices, values)."""

    def __init__(self, n_users: int, n_items: int, n_interactions: int):
        super().__init__()
        self.shape = (n_users, n_items)
        self.register_buffer("indptr", torch.zeros(n_users + 1, dtype=torch.int64))
        self.register_buffer("indices", torch.zeros(n_interactions, dtype=torch.int64))
        self.register_buffer("values", torch.zeros(n_interactions, dtype=torch.float32))

    def store(self, matrix) -> None:
        matrix = matrix.tocsr()
        if matrix.shape != self.shape or matrix.nnz != len(self.values):
            raise ValueError(f"expected a {self.shape} matrix with {len(self.values)} entries, "
                             f"got {matrix.shape} with {matrix.nnz}")
        self.indptr.copy_(torch.from_numpy(matrix.indptr.astype(np.int64)))
        self.indices.copy_(torch.from_numpy(matrix.indices.astype(np.int64)))
        self.values.copy_(torch.from_numpy(matrix.data.astype(np.float32)))

    def matrix(self):
        """The stored matrix as a scipy CSR matrix (checked: a tampered file fails here)."""
        from scipy import sparse

        indptr, indices = self.indptr.numpy(), self.indices.numpy()
        if (indptr[0] != 0 or indptr[-1] != len(indices) or (np.diff(indptr) < 0).any()
                or (len(indices) and (indices.min() < 0 or indices.max() >= self.shape[1]))):
            raise ValueError("the stored interaction matrix is inconsistent (indptr / indices out of range)")
        return sparse.csr_matrix((self.values.numpy(), indices, indptr), shape=self.shape)


class RecommenderModel(BaseAutoencoder):
    """Base of the recommender families: a ``RecommenderConfig`` and the
    training interactions in ``self.interactions``."""

    config: RecommenderConfig

    def __init__(self, config: RecommenderConfig):
        super().__init__(config)
        self.interactions = InteractionStore(config.n_users, config.n_items, config.n_interactions)
