"""The digits models: trained by the project's own code, accurate, cached and reused."""

from __future__ import annotations

import pytest
import torch

from studyapp.errors import StudyappError
from studyapp.labs import zoo
from studyapp.labs.models import MODEL_SPECS, parameter_bytes

pytestmark = pytest.mark.usefixtures("labs_data_dir")


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_fp32_test_accuracy_is_at_least_95_percent(name: str) -> None:
    trained = zoo.load_model(name)
    _, _, x_test, y_test = zoo.digits_tensors()
    measured = zoo.accuracy(trained.model, x_test, y_test)
    assert measured >= 0.95
    assert measured == pytest.approx(trained.test_accuracy)
    assert not trained.model.training


def test_second_load_comes_from_the_cache_without_training(monkeypatch) -> None:
    first = zoo.load_model("mlp")
    stamp = first.path.stat().st_mtime_ns

    def no_training(*args, **kwargs):
        raise AssertionError("the cached model was trained again")

    monkeypatch.setattr(zoo, "train", no_training)
    second = zoo.load_model("mlp")
    assert not second.trained_now
    assert second.path.stat().st_mtime_ns == stamp
    for key, value in first.model.state_dict().items():
        assert torch.equal(value, second.model.state_dict()[key])


def test_training_is_deterministic() -> None:
    cached = zoo.load_model("mlp").model.state_dict()
    again, _ = zoo.train(MODEL_SPECS["mlp"])
    for key, value in again.state_dict().items():
        assert torch.equal(value, cached[key])


def test_unreadable_cache_is_retrained(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STUDYAPP_DATA_DIR", str(tmp_path))
    path = zoo.cache_path("mlp")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a checkpoint")
    steps: list[tuple[int, int]] = []
    trained = zoo.load_model("mlp", on_step=lambda done, total: steps.append((done, total)))
    assert trained.trained_now and trained.test_accuracy >= 0.95
    assert steps[-1][0] == steps[-1][1] == len(steps)
    assert not zoo.load_model("mlp").trained_now


def test_models_take_flat_batches_and_give_ten_logits() -> None:
    for spec in MODEL_SPECS.values():
        assert spec.build()(torch.zeros(3, 64)).shape == (3, 10)


def test_wide_mlp_is_dominated_by_its_weights() -> None:
    wide = MODEL_SPECS["wide_mlp"].build()
    assert parameter_bytes(wide) > 60e6  # 64·4096 + 4096·4096 + 4096·10 floats ≈ 68 MB
    assert parameter_bytes(MODEL_SPECS["mlp"].build()) < 200e3


def test_unknown_model_is_a_clear_error() -> None:
    with pytest.raises(StudyappError, match="unknown model 'resnet'"):
        zoo.load_model("resnet")
