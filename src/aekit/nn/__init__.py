"""Building blocks shared by the model families."""

from aekit.nn.layers import ACTIVATIONS, TiedLinear, make_activation
from aekit.nn.mlp import MLPDecoder, MLPEncoder, TiedMLPDecoder

__all__ = ["ACTIVATIONS", "MLPDecoder", "MLPEncoder", "TiedLinear", "TiedMLPDecoder", "make_activation"]
