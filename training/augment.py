"""Plaintext augmentation for models trained on PLAIN images (the transformable bit-plane models).

Nothing natural commutes with Arnold + XOR, so encrypted-domain models never see augmented images. A plain model
that will be turned into a cipher-domain model by a key transform (src/core/inference/transform) can: the transform
is exact for every input, so whatever the plain model learns carries over to every key unchanged.

Presets (`--augment`):
- `none`: no augmentation.
- `affine`: random rotation (±10°), scale (0.92–1.08) and shift (±2 px at 28×28, scaled with the image side),
  bilinear, rounded back to integers 0–255 (the bit-plane input needs whole intensities).
- `affine+elastic`: the same plus an elastic distortion (Simard et al. 2003: a uniform random displacement field
  smoothed by a Gaussian of σ = 4 px, scaled by α). For handwriting (MNIST), where strokes vary that way.
No flips: a mirrored digit is another glyph, and a mirrored CT slice or chest X-ray puts organs on the wrong side.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

PRESETS = ("none", "affine", "affine+elastic")
MAX_ROTATION_DEGREES = 10.0
SCALE_RANGE = (0.92, 1.08)
SHIFT_PIXELS_AT_28 = 2.0
ELASTIC_SIGMA = 4.0
ELASTIC_ALPHA = 20.0


def gaussian_kernel(sigma: float) -> torch.Tensor:
    radius = int(math.ceil(3 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-(offsets**2) / (2 * sigma * sigma))
    return kernel / kernel.sum()


class Augmenter:
    """Random affine (+ elastic) warps of a uint8 batch [B, 1, N, N], drawn from its own generator so a run with the
    same seed sees the same warps."""

    def __init__(self, preset: str, size: int, seed: int):
        if preset not in PRESETS:
            raise ValueError(f"unknown augmentation {preset!r}; expected one of {', '.join(PRESETS)}")
        self.preset = preset
        self.size = size
        self.generator = torch.Generator().manual_seed(seed * 7919 + 17)
        self.kernel = gaussian_kernel(ELASTIC_SIGMA)

    @property
    def active(self) -> bool:
        return self.preset != "none"

    def describe(self) -> str:
        if not self.active:
            return "none"
        shift = SHIFT_PIXELS_AT_28 * self.size / 28
        text = (f"rotation ±{MAX_ROTATION_DEGREES:g}°, scale {SCALE_RANGE[0]:g}–{SCALE_RANGE[1]:g}, "
                f"shift ±{shift:.2g} px, bilinear, rounded")
        if self.preset == "affine+elastic":
            text += f"; elastic α={ELASTIC_ALPHA:g} px, σ={ELASTIC_SIGMA:g} px"
        return text + "; no flips"

    def _uniform(self, count: int, low: float, high: float) -> torch.Tensor:
        return torch.rand(count, generator=self.generator) * (high - low) + low

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        if not self.active:
            return images
        batch, _, height, width = images.shape
        device = images.device
        angle = self._uniform(batch, -MAX_ROTATION_DEGREES, MAX_ROTATION_DEGREES) * math.pi / 180
        scale = self._uniform(batch, *SCALE_RANGE)
        # Normalised coordinates span 2 over the image side: a shift of s pixels is 2s/N.
        shift_limit = 2 * SHIFT_PIXELS_AT_28 / 28
        shift = torch.stack([self._uniform(batch, -shift_limit, shift_limit) for _ in range(2)], dim=1)
        cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
        theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
        grid = F.affine_grid(theta, [batch, 1, height, width], align_corners=False)
        if self.preset == "affine+elastic":
            field = torch.rand(batch, 2, height, width, generator=self.generator) * 2 - 1
            pad = len(self.kernel) // 2
            horizontal = self.kernel.view(1, 1, 1, -1).repeat(2, 1, 1, 1)
            vertical = self.kernel.view(1, 1, -1, 1).repeat(2, 1, 1, 1)
            field = F.conv2d(F.pad(field, (pad, pad, 0, 0), mode="reflect"), horizontal, groups=2)
            field = F.conv2d(F.pad(field, (0, 0, pad, pad), mode="reflect"), vertical, groups=2)
            # Pixels -> normalised units (x over width, y over height).
            scale_xy = torch.tensor([2.0 / width, 2.0 / height]).view(1, 2, 1, 1)
            grid = grid + (field * ELASTIC_ALPHA * scale_xy).permute(0, 2, 3, 1)
        warped = F.grid_sample(images.float().cpu(), grid, mode="bilinear", padding_mode="zeros",
                               align_corners=False)
        return warped.round_().clamp_(0, 255).to(torch.uint8).to(device)
