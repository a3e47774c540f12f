import numpy as np
import pytest
import torch

from training.models import ARCHITECTURES, EMBEDDING_DIM, BitPlanes, build_model, count_parameters


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("size", [12, 28])
def test_uint8_in_logits_and_512_embedding_out(architecture, size):
    torch.manual_seed(0)
    model = build_model(architecture, size, 5, mean=40.0, std=60.0).eval()
    images = torch.randint(0, 256, (3, 1, size, size), dtype=torch.uint8)
    logits, embedding = model(images)
    assert logits.shape == (3, 5) and embedding.shape == (3, EMBEDDING_DIM)
    assert logits.dtype == torch.float32 and bool((embedding >= 0).all())  # after the ReLU


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_full_size_models_stay_small_enough_to_commit(architecture):
    for size in (28, 64):
        parameters = count_parameters(build_model(architecture, size, 10, 0.0, 1.0))
        assert parameters * 4 <= 8.5e6, f"{architecture} at {size}x{size}: {parameters} parameters"


def test_bit_planes_are_exact_signs_of_every_bit():
    values = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 16, 16)
    planes = BitPlanes()(values)[0]  # [256, 8]
    expected = torch.tensor([[1.0 if (v >> b) & 1 else -1.0 for b in range(8)] for v in range(256)])
    assert torch.equal(planes, expected)


def test_bitplane_mlp_absorbs_a_fixed_xor_and_permutation_exactly():
    """For any cipher (permutation + XOR mask) there are weights under which the network computes on cipher images
    exactly what the original weights compute on plain images: flip the sign of weights on masked bits (folding
    nothing into the bias, since ±1 inputs just swap sign) and permute the per-pixel rows and FC columns."""
    size, features = 6, 2
    torch.manual_seed(1)
    plain_model = build_model("bitplane-mlp", size, 4, 0.0, 1.0).eval()
    rng = np.random.default_rng(3)
    permutation = torch.from_numpy(rng.permutation(size * size))  # cipher pixel i = plain pixel permutation[i]
    mask = torch.from_numpy(rng.integers(0, 256, size * size).astype(np.uint8))
    images = torch.randint(0, 256, (5, 1, size, size), dtype=torch.uint8)
    cipher = (images.flatten(1)[:, permutation] ^ mask).reshape(5, 1, size, size)

    cipher_model = build_model("bitplane-mlp", size, 4, 0.0, 1.0).eval()
    cipher_model.load_state_dict(plain_model.state_dict())
    with torch.no_grad():
        flips = torch.tensor([[-1.0 if (int(m) >> b) & 1 else 1.0 for b in range(8)] for m in mask])  # [P, 8]
        weight = plain_model.pixel_layer.weight[permutation] * flips[:, :, None]
        cipher_model.pixel_layer.weight.copy_(weight)
        cipher_model.pixel_layer.bias.copy_(plain_model.pixel_layer.bias[permutation])
        first = plain_model.hidden[0].weight.reshape(-1, size * size, features)
        cipher_model.hidden[0].weight.copy_(first[:, permutation, :].reshape(first.shape[0], -1))
    expected_logits, expected_embedding = plain_model(images)
    logits, embedding = cipher_model(cipher)
    assert torch.allclose(logits, expected_logits, atol=1e-5)
    assert torch.allclose(embedding, expected_embedding, atol=1e-5)


def test_unknown_architecture():
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("transformer", 28, 10, 0.0, 1.0)
