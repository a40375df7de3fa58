"""Autoencoder reformer after MagNet (Meng & Chen, 2017): an autoencoder trained only on clean
inputs maps every input onto what clean inputs look like, so a pattern it never saw — a blend,
scattered pixels, a warp — comes out weakened or gone, while clean inputs pass nearly unchanged.

The autoencoder is small (two convolutions down, two up, one 2× pooling) and trained through
the one engine with a reconstruction loss; it never sees the model or a triggered input.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.data.dataset import make_dataset
from trojanscope.engine.train import Trainer, seeded
from trojanscope.purify.base import InputPurifier, check_positive_int
from trojanscope.registry import register


class ConvAutoencoder(nn.Module):
    """Conv(3×3)·ReLU·AvgPool(2)·Conv·ReLU, then Upsample(2)·Conv·ReLU·Conv.

    The output layer is linear (the purifier clamps to [0, 1]): with a sigmoid there, training
    from some seeds stalled at a constant dark image (measured on MNIST, 1 seed in 4)."""

    def __init__(self, channels: int, width: int) -> None:
        super().__init__()
        self.encode = nn.Sequential(nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(),
                                    nn.AvgPool2d(2), nn.Conv2d(width, width, 3, padding=1),
                                    nn.ReLU())
        self.decode = nn.Sequential(nn.Upsample(scale_factor=2),
                                    nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
                                    nn.Conv2d(width, channels, 3, padding=1))

    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        padded = F.pad(x, (0, w % 2, 0, h % 2))  # odd sides: pad, reconstruct, crop
        return self.decode(self.encode(padded))[..., :h, :w]


def reconstruction(noise: float):
    """The training objective: rebuild each clean input from a copy with Gaussian noise of
    standard deviation ``noise`` (a denoising autoencoder; 0: plain reconstruction). The noise
    comes from the engine's seeded generator."""

    def loss(model: nn.Module, x: Tensor, _y: Tensor) -> Tensor:
        noisy = (x + noise * torch.randn_like(x)).clamp(0, 1) if noise > 0 else x
        return F.mse_loss(model(noisy), x)

    return loss


@register("input-purifier", "reformer")
class Reformer(InputPurifier):
    """Autoencoder reformer (Meng & Chen, 2017): inputs rebuilt by an autoencoder of clean data.

    Arguments:
        width: channels of the autoencoder's hidden layers.
        epochs: training epochs over the clean inputs.
        lr: Adam learning rate.
        noise: standard deviation of the Gaussian noise added to the clean inputs in training
            (MagNet trains its reformers on noisy inputs; 0 reconstructs them as they are).
    """

    name = "reformer"
    needs_clean_data = True

    def __init__(self, width: int = 16, epochs: int = 20, lr: float = 2e-3,
                 noise: float = 0.3) -> None:
        check_positive_int("width", width)
        check_positive_int("epochs", epochs)
        if not float(lr) > 0:
            raise ValueError(f"lr must be positive, got {lr!r}")
        self.width = width
        self.epochs = epochs
        if not 0.0 <= float(noise) <= 1.0:
            raise ValueError(f"noise must be in [0, 1], got {noise!r}")
        self.lr = float(lr)
        self.noise = float(noise)
        self.autoencoder: ConvAutoencoder | None = None

    def _fit(self, clean_x: Tensor, generator: torch.Generator | None) -> None:
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        with seeded(seed):  # the initial weights come from the caller's generator
            ae = ConvAutoencoder(clean_x.shape[1], self.width)
        # the engine trains on (x, y) batches; the labels are placeholders the loss ignores
        data = make_dataset(clean_x, torch.zeros(len(clean_x), dtype=torch.long), num_classes=2)
        Trainer(epochs=self.epochs, batch_size=64, lr=self.lr, optimizer="adam",
                seed=seed).fit(ae, data, loss_fn=reconstruction(self.noise))
        self.autoencoder = ae.eval()

    def purify(self, x: Tensor, model: nn.Module | None,
               generator: torch.Generator | None) -> Tensor:
        assert self.autoencoder is not None
        with torch.inference_mode():
            return self.autoencoder(x).clone()
