import pytest

from shelf_assets.vision.accelerator import AcceleratorError, BatchPolicy, run_in_batches, select_device


class FakeOutOfMemory(RuntimeError):
    pass


FakeOutOfMemory.__name__ = "OutOfMemoryError"


def test_auto_selects_the_cpu_without_cuda_and_refuses_cuda_it_does_not_have():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        assert select_device("auto") == "cuda"
    else:
        assert select_device("auto") == "cpu"
        with pytest.raises(AcceleratorError, match="no CUDA device"):
            select_device("cuda")
    with pytest.raises(AcceleratorError, match="unknown device"):
        select_device("tpu")


def test_batches_shrink_when_memory_runs_high_and_every_item_comes_back_in_order():
    sizes = []
    usage = iter([0.1, 0.9, 0.9, 0.9, 0.2])

    def infer(batch):
        sizes.append(len(batch))
        return [item * 10 for item in batch]

    results = list(run_in_batches(list(range(60)), infer, "cuda", BatchPolicy(32, 8, 0.85), lambda _: next(usage)))
    assert results == [item * 10 for item in range(60)]
    assert sizes == [32, 8, 8, 8, 4]


def test_an_out_of_memory_batch_is_retried_smaller_without_losing_items():
    sizes = []

    def infer(batch):
        sizes.append(len(batch))
        if len(batch) > 10:
            raise FakeOutOfMemory("CUDA out of memory")
        return list(batch)

    results = list(run_in_batches(list(range(25)), infer, "cpu", BatchPolicy(32, 8, 0.85), lambda _: 0.0))
    assert results == list(range(25))
    assert sizes[:3] == [25, 16, 8]


def test_other_errors_propagate():
    def infer(batch):
        raise ValueError("bad input")

    with pytest.raises(ValueError):
        list(run_in_batches([1, 2], infer, "cpu"))


@pytest.mark.gpu
def test_a_real_cuda_batch_runs_and_frees_its_cache():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    items = [torch.randn(64, 64) for _ in range(40)]
    results = list(run_in_batches(items, lambda batch: list(torch.stack(list(batch)).cuda().sum(dim=(1, 2)).cpu()), "cuda"))
    assert len(results) == 40
