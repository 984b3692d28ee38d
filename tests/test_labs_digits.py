"""The digits data: shape, value range, and the fixed stratified split."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from studyapp.errors import StudyappError
from studyapp.labs import digits


def test_file_holds_1797_images_of_64_pixels_0_to_16() -> None:
    pixels, labels = digits.read_digits()
    assert pixels.shape == (1797, 64)
    assert labels.shape == (1797,)
    assert pixels.min() == 0 and pixels.max() == 16
    assert set(np.unique(labels)) == set(range(10))


def test_split_is_stratified_disjoint_and_complete() -> None:
    split = digits.load_digits()
    assert len(split.x_train) == 1442 and len(split.x_test) == 355
    assert split.x_train.dtype == np.float32 and split.x_train.max() == 1.0
    train_counts = np.bincount(split.y_train, minlength=10)
    test_counts = np.bincount(split.y_test, minlength=10)
    share = test_counts / (train_counts + test_counts)
    assert np.all((share > 0.18) & (share < 0.21))


def test_split_follows_the_documented_rule() -> None:
    _, labels = digits.read_digits()
    mask = digits.test_image_mask(labels)
    zeros = np.nonzero(labels == 0)[0]
    assert list(mask[zeros[:10]]) == [False] * 4 + [True] + [False] * 4 + [True]


def test_split_arrays_are_read_only() -> None:
    split = digits.load_digits()
    with pytest.raises(ValueError):
        split.x_test[0, 0] = 5.0


def test_sample_batch_is_seeded_real_digits() -> None:
    split = digits.load_digits()
    first, again, other = (digits.sample_batch(8, seed) for seed in (0, 0, 1))
    assert first.shape == (8, 64) and first.dtype == np.float32
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert all((split.x_test == image).all(axis=1).any() for image in first)


def test_broken_file_is_one_clear_error(tmp_path) -> None:
    broken = tmp_path / "digits.csv.gz"
    with gzip.open(broken, "wt") as handle:
        handle.write("1,2,3\n")
    with pytest.raises(StudyappError, match="65 columns"):
        digits.read_digits(broken)
    with pytest.raises(StudyappError, match="cannot read"):
        digits.read_digits(tmp_path / "missing.csv.gz")
