"""The optimisation loop both nets share: AdamW under a one-cycle schedule, clipped gradients, a smoothed loss."""

from __future__ import annotations

from collections.abc import Callable

import torch

PROGRESS_EVERY = 25


def optimise(net: torch.nn.Module, step_loss: Callable[[], torch.Tensor], steps: int, learning_rate: float,
             progress: Callable[[int, int, float], None] | None = None) -> torch.nn.Module:
    """Run `steps` updates of `step_loss()` (which draws its own batch) and return the net in eval mode."""
    optimiser = torch.optim.AdamW(net.parameters(), lr=learning_rate, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=learning_rate, total_steps=steps, pct_start=0.1)
    net.train()
    running = None
    for step in range(1, steps + 1):
        loss = step_loss()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        optimiser.step()
        schedule.step()
        value = float(loss.detach())
        running = value if running is None else 0.98 * running + 0.02 * value
        if progress and (step % PROGRESS_EVERY == 0 or step == steps):
            progress(step, steps, running)
    return net.eval()
