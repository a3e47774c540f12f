"""The four architectures. Each takes the raw uint8 image batch [B, 1, N, N] and does its own preprocessing, so the
exported ONNX graph needs nothing but the encrypted bytes. Each ends with FC -> 512 -> ReLU (the retrieval embedding)
followed by a linear classifier; forward returns (logits, embedding)."""

from __future__ import annotations

import math

import torch
from torch import nn

from .registry import ARCHITECTURES, EMBEDDING_DIM, FULLY_CONNECTED
# Caps the widest fully connected matrix so every exported model stays a few MB (float32 weights).
FIRST_LAYER_WEIGHT_BUDGET = 1_600_000


class ScaledPixels(nn.Module):
    """uint8 -> float, standardised with the training split's mean/std (fixed buffers, exported into the graph)."""

    def __init__(self, mean: float, std: float):
        super().__init__()
        self.register_buffer("mean", torch.tensor(float(mean)))
        self.register_buffer("inv_std", torch.tensor(1.0 / max(float(std), 1e-6)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return (images.float() - self.mean) * self.inv_std


class BitPlanes(nn.Module):
    """uint8 [B,1,N,N] -> [B,N*N,8] of ±1, one entry per bit. Uses only float Div/Floor so every ONNX runtime
    evaluates it exactly (integers <= 255 are exact in float32)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("place", torch.tensor([float(2**b) for b in range(8)]))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        values = images.float().flatten(1).unsqueeze(-1)  # [B, P, 1]
        shifted = torch.floor(values / self.place)
        bits = shifted - 2.0 * torch.floor(shifted / 2.0)
        return bits * 2.0 - 1.0


class EmbeddingHead(nn.Module):
    """features -> FC 512 -> ReLU (the embedding) -> dropout -> FC classes."""

    def __init__(self, in_features: int, num_classes: int, dropout: float):
        super().__init__()
        self.embed = nn.Linear(in_features, EMBEDDING_DIM)
        self.dropout = nn.Dropout(dropout)
        self.classify = nn.Linear(EMBEDDING_DIM, num_classes)

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        embedding = torch.relu(self.embed(features))
        return self.classify(self.dropout(embedding)), embedding


def conv_bn_relu(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


def pooling_stages(size: int) -> int:
    """How many 2x poolings bring an N×N map down to at most 4×4 (28 -> 3 stages, 64 -> 4 stages)."""
    return max(1, math.ceil(math.log2(max(size, 2) / 4)))


def flattened_features(features: nn.Module, size: int) -> int:
    """Length of the flattened feature map for an N×N input (traced once, so odd sizes need no arithmetic)."""
    with torch.no_grad():
        return int(features(torch.zeros(1, 1, size, size)).numel())


class DCNN(nn.Module):
    """The paper's deep CNN: conv-BN-ReLU blocks (16, 32, 64, 128 channels) each followed by 2× max pooling until the
    map is at most 4×4, flattened (keeping position, which matters once pixels are permuted) into FC 512 -> classes.
    One convolution per block keeps a MedNIST epoch near a minute and a half on two CPU cores."""

    def __init__(self, size: int, num_classes: int, mean: float, std: float, dropout: float = 0.3):
        super().__init__()
        self.pre = ScaledPixels(mean, std)
        widths = [16, 32, 64, 128, 128][: pooling_stages(size)]
        layers: list[nn.Module] = []
        cin = 1
        for width in widths:
            layers += [conv_bn_relu(cin, width), nn.MaxPool2d(2)]
            cin = width
        self.features = nn.Sequential(*layers)
        self.head = EmbeddingHead(flattened_features(self.features, size), num_classes, dropout)

    def forward(self, images: torch.Tensor):
        return self.head(self.features(self.pre(images)).flatten(1))


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            conv_bn_relu(cin, cout, stride),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
        )
        self.shortcut = (
            nn.Identity()
            if stride == 1 and cin == cout
            else nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class ResNet(nn.Module):
    """A small residual net: stem, one basic block per stage (stride 2 after the first), a final 2× max pool, and the
    flattened map (as small as the dcnn's) into FC 512 -> classes."""

    def __init__(self, size: int, num_classes: int, mean: float, std: float, dropout: float = 0.3):
        super().__init__()
        self.pre = ScaledPixels(mean, std)
        widths = [16, 32, 64, 128, 128][: pooling_stages(size)]
        stages: list[nn.Module] = [conv_bn_relu(1, widths[0])]
        cin = widths[0]
        for index, width in enumerate(widths):
            stages.append(BasicBlock(cin, width, 1 if index == 0 else 2))
            cin = width
        self.features = nn.Sequential(*stages, nn.MaxPool2d(2))
        self.head = EmbeddingHead(flattened_features(self.features, size), num_classes, dropout)

    def forward(self, images: torch.Tensor):
        return self.head(self.features(self.pre(images)).flatten(1))


def hidden_width(inputs: int) -> int:
    """Width of the first hidden layer: 1024, or less for large inputs (multiple of 64) to respect the weight budget."""
    return max(64, min(1024, FIRST_LAYER_WEIGHT_BUDGET // inputs // 64 * 64))


def fully_connected_layers(inputs: int, num_classes: int, dropout: float, input_dropout: float,
                           hidden: int | None) -> tuple[nn.Dropout, nn.Sequential, EmbeddingHead]:
    """Input dropout, FC H -> ReLU, and the embedding head that both fully connected architectures end with.
    Returned rather than assigned so each model keeps the attribute names its checkpoints and cards were saved
    under, and builds its layers in the same order (the same seed gives the same initial weights)."""
    width = hidden or hidden_width(inputs)
    return (nn.Dropout(input_dropout),
            nn.Sequential(nn.Linear(inputs, width), nn.ReLU(inplace=True), nn.Dropout(dropout)),
            EmbeddingHead(width, num_classes, dropout))


class MLP(nn.Module):
    """Fully connected on standardised pixel values: N² -> H -> ReLU -> FC 512 -> classes. Blind to pixel order, so
    a fixed permutation costs it nothing; XOR scrambles intensities non-linearly and does cost it."""

    def __init__(self, size: int, num_classes: int, mean: float, std: float, dropout: float = 0.3,
                 input_dropout: float = 0.0, hidden: int | None = None):
        super().__init__()
        self.pre = ScaledPixels(mean, std)
        self.input_dropout, self.hidden, self.head = fully_connected_layers(
            size * size, num_classes, dropout, input_dropout, hidden)

    def forward(self, images: torch.Tensor):
        return self.head(self.hidden(self.input_dropout(self.pre(images).flatten(1))))


class PixelBitPlaneLayer(nn.Module):
    """Per-pixel affine map of the pixel's 8 ±1 bits to `features` values, its own weights for every pixel.
    Flipping bit b of pixel p (a fixed XOR) equals negating weight[p, :, b]; moving pixels (a fixed permutation)
    equals permuting the weight rows. Both are absorbed exactly, and the i.i.d. symmetric initialisation makes the
    trained network's distribution identical under all four encryption conditions."""

    def __init__(self, pixels: int, features: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(pixels, 8, features).uniform_(-1 / math.sqrt(8), 1 / math.sqrt(8)))
        self.bias = nn.Parameter(torch.zeros(pixels, features))

    def forward(self, bits: torch.Tensor) -> torch.Tensor:  # bits [B, P, 8]
        # [B,P,8] x [P,8,F] summed over the bit axis -> [B,P,F]
        return torch.einsum("bpk,pkf->bpf", bits, self.weight) + self.bias


class BitPlaneMLP(nn.Module):
    """FC over bit-planes: per-pixel bit-plane layer (F features, tanh) -> FC H -> ReLU -> FC 512 -> classes."""

    def __init__(self, size: int, num_classes: int, dropout: float = 0.3, input_dropout: float = 0.0,
                 hidden: int | None = None, features_per_pixel: int = 2):
        super().__init__()
        pixels = size * size
        self.bits = BitPlanes()
        self.pixel_layer = PixelBitPlaneLayer(pixels, features_per_pixel)
        self.input_dropout, self.hidden, self.head = fully_connected_layers(
            pixels * features_per_pixel, num_classes, dropout, input_dropout, hidden)

    def forward(self, images: torch.Tensor):
        per_pixel = torch.tanh(self.pixel_layer(self.bits(images)))
        return self.head(self.hidden(self.input_dropout(per_pixel.flatten(1))))


def build_model(architecture: str, size: int, num_classes: int, mean: float, std: float, dropout: float = 0.3,
                input_dropout: float = 0.0, hidden: int | None = None) -> nn.Module:
    """`input_dropout` and `hidden` (first hidden width) apply to the fully connected architectures only."""
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; expected one of {', '.join(ARCHITECTURES)}")
    if architecture not in FULLY_CONNECTED and (input_dropout or hidden):
        raise ValueError(f"input dropout and hidden width apply to {' and '.join(FULLY_CONNECTED)}, not {architecture}")
    if architecture == "dcnn":
        return DCNN(size, num_classes, mean, std, dropout)
    if architecture == "resnet":
        return ResNet(size, num_classes, mean, std, dropout)
    if architecture == "mlp":
        return MLP(size, num_classes, mean, std, dropout, input_dropout, hidden)
    return BitPlaneMLP(size, num_classes, dropout, input_dropout, hidden)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
