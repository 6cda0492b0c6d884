"""Building blocks shared by the model families."""

from aekit.nn.layers import ACTIVATIONS, TiedLinear, activation_slopes, make_activation
from aekit.nn.mlp import MLPDecoder, MLPEncoder, TiedMLPDecoder

__all__ = ["ACTIVATIONS", "MLPDecoder", "MLPEncoder", "TiedLinear", "TiedMLPDecoder", "activation_slopes", "make_activation"]
