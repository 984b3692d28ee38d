"""The digits models: trained by the project's own code, accurate, cached and reused."""

from __future__ import annotations

import pytest
import torch

from studyapp.errors import StudyappError
from studyapp.labs import models, zoo
from studyapp.labs.digits import load_digits
from studyapp.labs.work import weight_bytes

pytestmark = pytest.mark.usefixtures("labs_data_dir")


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_fp32_test_accuracy_is_at_least_95_percent(name: str) -> None:
    model = zoo.trained(name)
    split = load_digits()
    measured = zoo.evaluate(model.model, split.x_test, split.y_test)
    assert measured >= 0.95
    assert measured == pytest.approx(model.accuracy)
    assert model.trained and not model.model.training


def test_second_load_comes_from_the_cache_without_training(monkeypatch) -> None:
    first = zoo.trained("mlp")
    assert first.path is not None
    stamp = first.path.stat().st_mtime_ns

    def no_training(*args, **kwargs):
        raise AssertionError("the cached model was trained again")

    monkeypatch.setattr(zoo, "train", no_training)
    second = zoo.trained("mlp")
    assert second.from_cache
    assert second.path.stat().st_mtime_ns == stamp
    for key, value in first.model.state_dict().items():
        assert torch.equal(value, second.model.state_dict()[key])


def test_training_is_deterministic() -> None:
    cached = zoo.trained("mlp").model.state_dict()
    again, _ = zoo.train(models.spec("mlp"))
    for key, value in again.state_dict().items():
        assert torch.equal(value, cached[key])


def test_unreadable_cache_is_retrained_with_progress(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STUDYAPP_DATA_DIR", str(tmp_path))
    path = zoo.cache_path("mlp")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a checkpoint")
    steps: list[tuple[int, int]] = []
    model = zoo.trained("mlp", progress=lambda done, total, message: steps.append((done, total)))
    assert not model.from_cache and model.accuracy is not None and model.accuracy >= 0.95
    assert steps[-1][0] == steps[-1][1] == len(steps)
    assert zoo.trained("mlp").from_cache


def test_fine_tune_moves_weights_and_keeps_accuracy() -> None:
    model = zoo.trained("mlp")
    before = [p.detach().clone() for p in model.model.parameters()]
    zoo.fine_tune(model.model, epochs=1)
    assert not model.model.training
    assert any(not torch.equal(a, b) for a, b in zip(before, model.model.parameters(), strict=True))
    split = load_digits()
    assert zoo.evaluate(model.model, split.x_test, split.y_test) >= 0.95


def test_untrained_model_is_marked_timing_only() -> None:
    model = zoo.untrained("wide_mlp")
    assert model.accuracy is None and not model.trained


def test_models_take_flat_batches_and_give_ten_logits() -> None:
    for name in models.MODEL_SPECS:
        assert models.input_shape(name) == (64,)
        assert models.build(name)(torch.zeros(3, 64)).shape == (3, 10)


def test_wide_mlp_is_dominated_by_its_weights() -> None:
    assert weight_bytes(models.build("wide_mlp")) > 60e6  # 64·4096 + 4096·4096 + 4096·10 floats
    assert weight_bytes(models.build("mlp")) < 300e3


def test_unknown_model_is_a_clear_error() -> None:
    with pytest.raises(StudyappError, match="unknown model 'resnet'"):
        zoo.trained("resnet")
