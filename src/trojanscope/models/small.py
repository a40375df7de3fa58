"""Small architectures for 28×28 (or any small) images and flat inputs."""

from __future__ import annotations

from torch import Tensor, nn

from trojanscope.models.common import Normalize, flat_features
from trojanscope.registry import register


@register("arch", "cnn")
class SmallCNN(nn.Module):
    """Two conv blocks (32, 64 channels) and a 128-unit head; ~0.4M parameters on MNIST."""

    def __init__(
        self,
        input_shape: tuple[int, int, int] = (1, 28, 28),
        num_classes: int = 10,
        width: int = 32,
    ) -> None:
        super().__init__()
        c = input_shape[0]
        self.normalize = Normalize(c)
        self.features = nn.Sequential(
            nn.Conv2d(c, width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(
            nn.Linear(flat_features(self.features, input_shape), 128),
            nn.ReLU(),
            nn.Linear(128, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(self.normalize(x)))


@register("arch", "lenet5")
class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) with ReLU and max pooling; 28×28 input, padded."""

    def __init__(
        self, input_shape: tuple[int, int, int] = (1, 28, 28), num_classes: int = 10
    ) -> None:
        super().__init__()
        c = input_shape[0]
        self.normalize = Normalize(c)
        self.features = nn.Sequential(
            nn.Conv2d(c, 6, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5, padding=2 if min(input_shape[1:]) < 16 else 0),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.classifier = nn.Sequential(
            nn.Linear(flat_features(self.features, input_shape), 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(self.normalize(x)))


@register("arch", "mlp")
class MLP(nn.Module):
    """A multilayer perceptron over flattened inputs (images or tabular rows)."""

    def __init__(
        self,
        input_shape: tuple[int, ...] = (1, 28, 28),
        num_classes: int = 10,
        hidden: tuple[int, ...] = (256, 128),
    ) -> None:
        super().__init__()
        size = 1
        for s in input_shape:
            size *= int(s)
        layers: list[nn.Module] = [nn.Flatten()]
        for h in hidden:
            layers += [nn.Linear(size, int(h)), nn.ReLU()]
            size = int(h)
        layers.append(nn.Linear(size, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x * 2 - 1)
