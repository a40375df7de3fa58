"""PreAct-ResNet-18 (He et al., 2016, identity mappings) for 32×32 colour images (CIFAR, GTSRB)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.models.common import Normalize
from trojanscope.registry import register


class PreActBlock(nn.Module):
    """BN-ReLU-conv twice, with a projection shortcut when the shape changes."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.shortcut = (
            nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False)
            if stride != 1 or in_planes != planes
            else None
        )

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(out) if self.shortcut is not None else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + shortcut


@register("arch", "preact_resnet18")
class PreActResNet18(nn.Module):
    """PreAct-ResNet-18: four stages of two pre-activation blocks (64-512 channels)."""

    def __init__(
        self,
        input_shape: tuple[int, int, int] = (3, 32, 32),
        num_classes: int = 10,
        width: int = 64,
    ) -> None:
        super().__init__()
        c = input_shape[0]
        self.normalize = Normalize(c)
        self.conv1 = nn.Conv2d(c, width, 3, stride=1, padding=1, bias=False)
        planes, layers, in_planes = [width, 2 * width, 4 * width, 8 * width], [], width
        for i, p in enumerate(planes):
            stride = 1 if i == 0 else 2
            layers += [PreActBlock(in_planes, p, stride), PreActBlock(p, p, 1)]
            in_planes = p
        self.layers = nn.Sequential(*layers)
        self.bn = nn.BatchNorm2d(in_planes)
        self.linear = nn.Linear(in_planes, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        out = self.layers(self.conv1(self.normalize(x)))
        out = F.adaptive_avg_pool2d(F.relu(self.bn(out)), 1).flatten(1)
        return self.linear(out)
