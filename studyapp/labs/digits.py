"""The digits data set (UCI, 8×8, values 0..16) and the fixed train/test split.

Reads `data/digits/digits.csv.gz` with the standard library and NumPy only;
see `data/digits/README.md` for the source, licence and the split rule.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from studyapp.errors import StudyappError
from studyapp.paths import PACKAGE_ROOT

DIGITS_CSV = PACKAGE_ROOT.parent / "data" / "digits" / "digits.csv.gz"
N_PIXELS = 64
SIDE = 8
N_CLASSES = 10
MAX_VALUE = 16
TEST_EVERY = 5  # within each class, every fifth image in file order is a test image


@dataclass(frozen=True)
class DigitsSplit:
    """Flat images scaled to 0..1 (float32, shape (n, 64)) and labels (int64, shape (n,))."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def read_digits(path: Path = DIGITS_CSV) -> tuple[np.ndarray, np.ndarray]:
    """All images as uint8 (n, 64) with values 0..16, and labels as int64 (n,)."""
    try:
        with gzip.open(path, "rt", encoding="ascii", newline="") as handle:
            rows = [[int(value) for value in row] for row in csv.reader(handle) if row]
    except (OSError, ValueError, EOFError) as exc:
        raise StudyappError(f"cannot read the digits data {path}: {exc}") from exc
    table = np.asarray(rows, dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != N_PIXELS + 1:
        raise StudyappError(f"{path}: expected {N_PIXELS + 1} columns per line")
    pixels, labels = table[:, :N_PIXELS], table[:, N_PIXELS]
    if pixels.min() < 0 or pixels.max() > MAX_VALUE or labels.min() < 0 or labels.max() >= 10:
        raise StudyappError(f"{path}: a pixel or label is out of range")
    return pixels.astype(np.uint8), labels


def test_image_mask(labels: np.ndarray) -> np.ndarray:
    """True for test images: every `TEST_EVERY`-th image of each class, in file order."""
    mask = np.zeros(labels.shape, dtype=bool)
    for digit in range(N_CLASSES):
        (positions,) = np.nonzero(labels == digit)
        mask[positions[TEST_EVERY - 1 :: TEST_EVERY]] = True
    return mask


@cache
def load_digits() -> DigitsSplit:
    """The fixed split, read once per process; the arrays are read-only."""
    pixels, labels = read_digits()
    scaled = pixels.astype(np.float32) / MAX_VALUE
    is_test = test_image_mask(labels)
    arrays = (scaled[~is_test], labels[~is_test], scaled[is_test], labels[is_test])
    for array in arrays:
        array.setflags(write=False)
    return DigitsSplit(*arrays)


def sample_batch(size: int, seed: int = 0) -> np.ndarray:
    """`size` test images (float32, (size, 64)), drawn with replacement by a seeded generator.

    Real digits rather than noise, and the same ones on every run with the same seed.
    """
    x_test = load_digits().x_test
    picks = np.random.default_rng(seed).integers(0, len(x_test), size=size)
    return np.ascontiguousarray(x_test[picks])
