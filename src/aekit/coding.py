"""The image codec's bitstream: a small header, range-coded symbols, a checksum.

Layout (format version 3; ``varint`` is unsigned LEB128)::

    0xAE (magic, 1 byte)  version << 4 | flags (1 byte)  model tag (1 byte)
    varint n_images  [varint height  varint width: only if not the model's training size]
    payload: the range coder's 32-bit words, little-endian, trailing zero
             bytes of the last word dropped
    CRC-32 (4 bytes) of the model's 4-byte hash, everything before it, and the
             decoder-side probability-table indexes (the hyperprior's scale indexes)

``flags``: bits 0-1 the array layout the images came in (0: (N, C, H, W),
1: (N, H, W), 2: flat rows), bit 2 the hyperprior, bit 3 "height and width
follow" (images of another size than the training images). The channel count
is the model's. The model tag is the first byte of the model's hash; the
checksum covers the whole hash, so a stream from another model is refused
either way (by the tag: "made by another model"; by the checksum, for the one
model in 256 whose tag collides). One 28x28 image costs 8 bytes of header and
checksum (version 1 had 16), plus the coder's flush (about 2 bytes).
Version 3 differs from 2 in the hyperprior's streams only (y is no longer
coded for images padded to a multiple of 16, see :mod:`aekit.models.codec`):
a version-2 stream of a factorized or positional model is read as before, a
version-2 hyperprior stream is refused with a message to compress again.

Symbols are coded with constriction's range coder, in groups that share one
integer frequency table (a channel of a factorized density, or one scale of
the hyperprior), in an order the decoder can rebuild. The tables are integer
arrays stored in the model file (:mod:`aekit.nn.entropy`), so the coder's
probabilities do not depend on floating point; the hyperprior's choice of
table per symbol does, and the checksum covers that choice: a decoder that
computes other indexes than the encoder fails with an error instead of
returning a wrong image.
"""

from __future__ import annotations

import dataclasses
import struct
import zlib
from collections.abc import Iterator

import numpy as np

from aekit.exceptions import StreamError
from aekit.nn.entropy import TABLE_BITS

MAGIC = 0xAE
FORMAT_VERSION = 3
READABLE_VERSIONS = (2, 3)  # 2: the same layout, but its hyperprior streams padded y
LAYOUTS = ("nchw", "nhw", "rows")
HYPERPRIOR_FLAG = 4
SIZE_FLAG = 8
CHECKSUM_BYTES = 4


@dataclasses.dataclass(frozen=True)
class StreamHeader:
    """What a stream says about itself.

    Attributes
    ----------
    model_tag : int
        The first byte of the writing model's hash (0-255).
    n_images, channels, height, width : int
        The images; ``channels`` is the model's (not written).
    layout : {"nchw", "nhw", "rows"}
        The array layout the images came in.
    hyperprior : bool
        Whether the hyperprior wrote it.
    """

    model_tag: int
    n_images: int
    channels: int
    height: int
    width: int
    layout: str = "nchw"
    hyperprior: bool = False

    def to_bytes(self, training_size: tuple[int, int] | None = None) -> bytes:
        """The header's bytes; height and width are written only if they are not ``training_size``.

        Examples
        --------
        >>> header = StreamHeader(model_tag=7, n_images=1, channels=1, height=28, width=28)
        >>> header.to_bytes((28, 28)).hex(), header.to_bytes((32, 32)).hex()
        ('ae300701', 'ae3807011c1c')
        """
        own_size = (self.height, self.width) != tuple(training_size or ())
        flags = LAYOUTS.index(self.layout) | (HYPERPRIOR_FLAG if self.hyperprior else 0) | (SIZE_FLAG if own_size else 0)
        sizes = (self.n_images, self.height, self.width) if own_size else (self.n_images,)
        return bytes([MAGIC, FORMAT_VERSION << 4 | flags, self.model_tag]) + b"".join(_varint(v) for v in sizes)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data) and shift < 63:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            return value, pos
    raise StreamError("the stream ends inside its header (it is truncated or not an aekit codec stream)")


def parse(data: bytes, image_shape: tuple[int, int, int]) -> tuple[StreamHeader, bytes, bytes]:
    """Split a stream into its header and payload; the checksum is checked by :func:`check`.

    Parameters
    ----------
    data : bytes
    image_shape : tuple (C, H, W)
        The decoding model's training shape: its channels, and the size of
        images whose stream does not write one.

    Returns
    -------
    (StreamHeader, bytes, bytes)
        The header, its bytes, and the payload (without the checksum).

    Raises
    ------
    StreamError
        Not bytes, too short, another magic or format version, a damaged header.

    Examples
    --------
    >>> header = StreamHeader(model_tag=7, n_images=3, channels=1, height=28, width=28)
    >>> parse(header.to_bytes((28, 28)) + b"payload" + bytes(4), (1, 28, 28))[0] == header
    True
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise StreamError(f"a compressed stream must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if data[:2] == b"AE":
        raise StreamError("this is a codec stream of format version 1 (aekit before the 8-byte header); "
                          f"this aekit reads version {FORMAT_VERSION}: compress the images again")
    if len(data) < 4 + CHECKSUM_BYTES or data[0] != MAGIC:
        raise StreamError(f"not an aekit codec stream ({len(data)} bytes, starting {data[:4]!r}; "
                          f"expected the magic byte {MAGIC:#04x} and at least {4 + CHECKSUM_BYTES} bytes)")
    version, flags = data[1] >> 4, data[1] & 0x0F
    if version not in READABLE_VERSIONS:
        raise StreamError(f"codec stream format version {version} is not supported "
                          f"(this aekit reads versions {READABLE_VERSIONS[0]}-{FORMAT_VERSION})")
    if version == 2 and flags & HYPERPRIOR_FLAG:
        raise StreamError("this hyperprior stream is of format version 2 (aekit before 7 December 2026, which "
                          "coded y for images padded to a multiple of 16); this aekit codes y at the images' "
                          f"own size (version {FORMAT_VERSION}): compress the images again")
    if flags & 3 >= len(LAYOUTS):
        raise StreamError(f"the stream's header is damaged (flags {flags:#04x})")
    pos, sizes = 3, []
    for _ in range(3 if flags & SIZE_FLAG else 1):
        value, pos = _read_varint(data, pos)
        sizes.append(value)
    if pos + CHECKSUM_BYTES > len(data):
        raise StreamError("the stream ends inside its header (it is truncated)")
    height, width = sizes[1:] if flags & SIZE_FLAG else image_shape[1:]
    header = StreamHeader(data[2], sizes[0], image_shape[0], height, width, layout=LAYOUTS[flags & 3],
                          hyperprior=bool(flags & HYPERPRIOR_FLAG))
    return header, data[:pos], data[pos:-CHECKSUM_BYTES]


def _checksum(model_hash: bytes, body: bytes, decoder_side: bytes) -> bytes:
    return struct.pack("<I", zlib.crc32(decoder_side, zlib.crc32(body, zlib.crc32(model_hash))))


def check(data: bytes, model_hash: bytes, decoder_side: bytes = b"") -> None:
    """Refuse a stream whose checksum does not match its contents, the decoding model's hash
    (and the decoder's table choice)."""
    data = bytes(data)
    if _checksum(model_hash, data[:-CHECKSUM_BYTES], decoder_side) != data[-CHECKSUM_BYTES:]:
        raise StreamError("the stream's checksum does not match: it was altered or truncated, or written by "
                          "another model, or this machine computes other probability tables than the one that "
                          "encoded it")


def seal(body: bytes, model_hash: bytes, decoder_side: bytes = b"") -> bytes:
    """``body`` with its checksum (over the model's hash, ``body`` and ``decoder_side``) appended."""
    return body + _checksum(model_hash, body, decoder_side)


def _constriction():
    try:
        import constriction
    except ImportError:
        raise ImportError("the image codec's entropy coder needs the package constriction: "
                          "pip install 'aekit[codec]' (or pip install constriction)") from None
    return constriction


class TableCoder:
    """Range coding of integer symbols with rows of an integer frequency table.

    Parameters
    ----------
    table : ndarray of int32, shape (n_tables, n_symbols)
        Frequencies summing to ``2**TABLE_BITS`` per row; symbol ``s`` of row
        ``k`` is coded with probability ``table[k, s + offset] / 2**TABLE_BITS``.
    offset : int
        Added to symbols to make them table positions (``max_symbol``).
    """

    def __init__(self, table: np.ndarray, offset: int):
        self._model_class = _constriction().stream.model.Categorical
        self.table = np.asarray(table, dtype=np.int64)
        self.offset = offset
        self._models: dict[int, object] = {}

    def _model(self, row: int):
        if row not in self._models:
            probabilities = self.table[row].astype(np.float64) / float(1 << TABLE_BITS)
            self._models[row] = self._model_class(probabilities, perfect=False)
        return self._models[row]

    def bits(self, symbols: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Ideal code length in bits of each symbol under its table row (same shapes)."""
        freq = self.table[rows, symbols + self.offset]
        return TABLE_BITS - np.log2(freq)


def encode_groups(groups: Iterator[tuple[TableCoder, int, np.ndarray]]) -> bytes:
    """Range-code ``(coder, row, symbols)`` groups in order into one payload.

    Parameters
    ----------
    groups : iterable of (TableCoder, int, ndarray of int)
        Symbols (in ``[-offset, offset]``) and the table row that codes them.

    Returns
    -------
    bytes
        The range coder's words, little-endian, up to three trailing zero
        bytes dropped; :class:`StreamDecoder` reads it back group by group.
    """
    encoder = _constriction().stream.queue.RangeEncoder()
    for coder, row, symbols in groups:
        if len(symbols):
            encoder.encode((symbols + coder.offset).astype(np.int32), coder._model(int(row)))
    payload = encoder.get_compressed().astype("<u4").tobytes()
    stripped = payload.rstrip(b"\0")  # at most 3 zero bytes: the decoder pads back to whole words
    return payload[:max(len(stripped), len(payload) - 3)]


class StreamDecoder:
    """Decodes what :func:`encode_groups` wrote, group by group, in the same order."""

    def __init__(self, payload: bytes):
        words = np.frombuffer(payload + b"\0" * (-len(payload) % 4), dtype="<u4").astype(np.uint32)
        self.range_decoder = _constriction().stream.queue.RangeDecoder(words)

    def decode(self, coder: TableCoder, row: int, count: int) -> np.ndarray:
        if count == 0:
            return np.zeros(0, dtype=np.int32)
        try:
            symbols = self.range_decoder.decode(coder._model(int(row)), count)
        except Exception as err:  # constriction's errors for data that are not its stream
            raise StreamError(f"the stream's payload cannot be decoded ({err}); it was altered or truncated") \
                from None
        return np.asarray(symbols, dtype=np.int32) - coder.offset


def grouped(symbols: np.ndarray, rows: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """``(row, symbols with that row)`` for each row in increasing order (stable)."""
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=1)
    for row, part in zip(range(len(counts)), np.split(symbols[order], np.cumsum(counts)[:-1])):
        yield row, part


def ungroup(decoder: StreamDecoder, coder: TableCoder, rows: np.ndarray) -> np.ndarray:
    """Inverse of :func:`grouped`: the symbols back in the order of ``rows``."""
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=1)
    out = np.empty(len(rows), dtype=np.int32)
    out[order] = np.concatenate([decoder.decode(coder, row, int(n)) for row, n in enumerate(counts)])
    return out
