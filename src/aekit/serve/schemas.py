"""The request and response bodies of ``aekit serve``, as pydantic models (they make the
OpenAPI page at ``/docs``).

Rows come in one of two shapes::

    {"data": [[0.1, 0.2, ...], ...]}                  # arrays by position; images as nested arrays
    {"records": [{"age": 50, "bmi": 22.1}, ...]}      # by column name, as the model was trained

The rows endpoints (``/encode``, ``/reconstruct``, ``/score``) also take the rows as one
NumPy ``.npy`` array (``Content-Type: application/x-npy``, read as ``data``), their other
fields then in the query string. Unknown fields are refused (a misspelt ``"recrods"`` is an
error, not an empty request).
"""

from __future__ import annotations

from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

Id = Union[int, str]

ROWS_EXAMPLE = {"data": [[0.0, 0.5, 1.0]]}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RowsBody(Strict):
    """Rows: ``data`` or ``records``."""

    data: Optional[list[Any]] = Field(None, description="Rows as arrays of numbers, by position (a table's "
                                      "feature columns, or its training file's layout); images as nested arrays "
                                      "(N, H, W) or (N, C, H, W).")
    records: Optional[list[dict[str, Any]]] = Field(None, description="Rows by column name, with the columns the "
                                                    "model was trained on (any order; id columns are carried into "
                                                    "the answer, other columns ignored).")


class RowsRequest(RowsBody):
    """Rows to encode or reconstruct: ``data`` or ``records``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ROWS_EXAMPLE]})

    labels: Optional[list[Id]] = Field(None, description="One class label per row, for a model conditioned on "
                                       "labels (cvae).")


class ScoreRequest(RowsBody):
    """Rows to score: ``data`` or ``records``, and whether to explain each score."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{**ROWS_EXAMPLE, "explain": False}]})

    explain: bool = Field(False, description="Also give each feature's share of each score.")


class RecommendRequest(Strict):
    """A known user, or the items of a new user (folded in without retraining)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"user": 1, "k": 10},
                                                                              {"items": [1, 260], "k": 10}]})

    user: Optional[Id] = Field(None, description="A user id seen in training.")
    items: Optional[list[Id]] = Field(None, description="The item ids of a new user; items the model does not "
                                      "know are left out (and listed in the answer).")
    k: int = Field(10, ge=1, description="How many items.")
    exclude_seen: bool = Field(True, description="Leave out the items the user already has.")


class SampleRequest(Strict):
    """How many samples, of which class, from which seed."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"n": 4, "seed": 0}]})

    n: int = Field(1, ge=1, description="How many samples (at most --max-rows).")
    label: Optional[Id] = Field(None, description="The class to draw (models trained with labels: cvae, "
                                "aae-mixture); default: the classes take turns.")
    seed: int = Field(0, ge=0, description="Seed of the draws: the same seed gives the same samples.")


# -- answers ------------------------------------------------------------------------

class Carried(BaseModel):
    ids: Optional[list[dict[str, Any]]] = Field(None, description="The id columns of each record, as sent.")
    warnings: Optional[list[str]] = Field(None, description="Notes on the request, e.g. columns the model "
                                          "does not read.")


class EncodeResponse(Carried):
    codes: list[list[float]]


class ReconstructResponse(Carried):
    reconstructions: list[Any] = Field(description="One row per input row (a table with categories: one record "
                                       "per row).")


class ScoreResponse(Carried):
    scores: list[float] = Field(description="Anomaly score of each row (higher is more anomalous).")
    threshold: float = Field(description="Rows scoring above it are anomalies.")
    is_anomaly: list[bool]
    explanation: Optional[list[dict[str, float]]] = Field(None, description="Each feature's share of each row's "
                                                          "score (with explain=true).")


class RecommendResponse(BaseModel):
    items: list[Id] = Field(description="Item ids, best first.")
    scores: list[float] = Field(description="Their scores, highest first.")
    unknown_items: Optional[list[Id]] = Field(None, description="Items of the request the model does not know "
                                              "(left out).")


class SampleResponse(BaseModel):
    samples: list[Any]


class Health(BaseModel):
    status: str = "ok"


class ModelInfo(BaseModel):
    family: str = Field(description="The model family (a key of aekit.models.MODEL_FAMILIES).")
    estimator: str
    config: dict[str, Any]
    input: dict[str, Any] = Field(description="What the model reads: its columns (names, kinds, ids) or its "
                                  "input shape.")
    format_version: str
    checksum: Optional[str] = Field(None, description="SHA-256 of the model file's content.")
    aekit_version: str
    endpoints: list[str]
    threshold: Optional[float] = None


class Error(BaseModel):
    detail: str = Field(description="One line: what was expected and what came.")
