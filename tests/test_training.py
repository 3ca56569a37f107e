import pytest
import torch

from course_utils.training import batches, fit, pick_device, seed_everything


def test_seed_everything_makes_draws_repeat():
    seed_everything(3)
    a = torch.randn(5)
    gen = seed_everything(3)
    assert torch.equal(a, torch.randn(5))
    assert torch.equal(torch.rand(3, generator=gen), torch.rand(3, generator=torch.Generator().manual_seed(3)))


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_must_be_a_natural_number(bad):
    with pytest.raises((ValueError, TypeError), match="seed_everything expects seed an int in"):
        seed_everything(bad)


def test_pick_device_defaults_and_refuses_missing_cuda():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device().type in ("cpu", "cuda", "mps")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            pick_device("cuda")


def test_batches_cover_every_row_once():
    x = torch.arange(23).float()
    y = x * 10
    seen = torch.cat([bx for bx, _ in batches(x, 5, torch.Generator().manual_seed(0), y)])
    assert sorted(seen.tolist()) == x.tolist()
    for bx, by in batches(x, 5, None, y):
        assert torch.equal(by, bx * 10)


def _linear_problem():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(256, 3, generator=gen)
    target = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3
    return torch.cat([x, target[:, None]], dim=1)


def _mse(model, batch):
    return ((model(batch[:, :3]).squeeze(1) - batch[:, 3]) ** 2).mean()


def test_fit_learns_a_linear_map_and_records_history():
    data = _linear_problem()
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    history = fit(model, _mse, data, epochs=60, batch_size=32, lr=0.05, x_valid=data, progress=False,
                  generator=torch.Generator().manual_seed(1))
    assert set(history) == {"train_loss", "valid_loss", "seconds"}
    assert len(history["train_loss"]) == 60 and history["train_loss"][-1] < 1e-3 < history["train_loss"][0]
    assert torch.allclose(model.weight.detach(), torch.tensor([[1.0, -2.0, 0.5]]), atol=0.02)
    assert history["seconds"] == sorted(history["seconds"])


def test_fit_is_deterministic_given_seeds():
    data = _linear_problem()
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 1)
        fit(model, _mse, data, epochs=3, progress=False, generator=torch.Generator().manual_seed(1))
        runs.append(model.weight.detach().clone())
    assert torch.equal(*runs)


@pytest.mark.parametrize("kwargs", [{"epochs": 0}, {"epochs": 1, "batch_size": 0}])
def test_fit_rejects_bad_budgets(kwargs):
    with pytest.raises(ValueError, match="fit expects (epochs|batch_size) a positive int; got 0"):
        fit(torch.nn.Linear(3, 1), _mse, _linear_problem(), progress=False, **kwargs)


def test_torch_threads_sets_and_restores_even_after_an_error():
    from course_utils.training import torch_threads

    before = torch.get_num_threads()
    with pytest.raises(RuntimeError, match="boom"):
        with torch_threads(1):
            assert torch.get_num_threads() == 1
            raise RuntimeError("boom")
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_torch_threads_rejects_non_positive_counts(bad):
    from course_utils.training import torch_threads

    with pytest.raises((ValueError, TypeError), match="torch_threads expects n a positive int; got"):
        with torch_threads(bad):
            pass
