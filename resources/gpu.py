"""The accelerator as a Dagster resource: which device, how batches adapt, how many CPU threads a step uses."""

from dagster import ConfigurableResource

from shelf_assets.vision.accelerator import BatchPolicy, configure_cpu_threads, select_device


class GpuResource(ConfigurableResource):
    device: str = "auto"
    initial_batch_size: int = 32
    min_batch_size: int = 8
    memory_high_water: float = 0.85
    cpu_threads: int = 1
    """torch threads per step: steps run in parallel processes, so one thread each keeps the cores busy without fighting."""

    def prepare(self) -> str:
        """Pick the device and set CPU threads; returns the device name to run on."""
        configure_cpu_threads(self.cpu_threads)
        return select_device(self.device)

    @property
    def batch_policy(self) -> BatchPolicy:
        return BatchPolicy(self.initial_batch_size, self.min_batch_size, self.memory_high_water)
