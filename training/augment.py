"""Image degradations used to make the judge robust and to give the oracle 'looks wrong' negatives, and the VAE
reconstruction style that every served image has."""
import torch
import torch.nn.functional as F

from .common import to_tensor_img


def blur(x, k=3):
    w = torch.ones(3, 1, k, k, device=x.device) / (k * k)
    return F.conv2d(F.pad(x, (k // 2,) * 4, mode="replicate"), w, groups=3)


def down_up(x, f=2):
    return F.interpolate(F.avg_pool2d(x, f), scale_factor=f, mode="bilinear", align_corners=False)


def judge_augment(x, g=None):
    """Mild, label-preserving corruptions (x in [0,1], [B,3,H,W])."""
    B = x.shape[0]
    r = torch.rand(B, 4, generator=g)
    m = (r[:, 0] < 0.3).float()[:, None, None, None]
    x = m * blur(x) + (1 - m) * x
    m = (r[:, 1] < 0.2).float()[:, None, None, None]
    x = m * down_up(x) + (1 - m) * x
    x = x + torch.randn(x.shape, generator=g) * (torch.rand(B, 1, 1, 1, generator=g) * 0.04)
    x = x * (1 + (torch.rand(B, 1, 1, 1, generator=g) - 0.5) * 0.1) + (torch.rand(B, 3, 1, 1, generator=g) - 0.5) * 0.06
    return x.clamp(0, 1)


def decoded_style(imgs_u8, share, seed):
    """A `share` of the images replaced by their VAE reconstruction (encode mean, decode), so that the oracle also
    sees the decoder's texture, which every served image has; the VAE keeps every attribute (check_vae)."""
    from .train_vae import load_vae
    enc, dec, _ = load_vae()
    flat = imgs_u8.reshape(-1, 64, 64, 3)
    g = torch.Generator().manual_seed(seed)
    pick = torch.nonzero(torch.rand(len(flat), generator=g) < share).flatten()
    out = flat.clone()
    with torch.no_grad():
        for i in range(0, len(pick), 512):
            idx = pick[i:i + 512]
            x = to_tensor_img(flat[idx].numpy()) * 2 - 1
            mean = enc(x)[:, :4]
            r = ((dec(mean) + 1) / 2).clamp(0, 1)
            out[idx] = (r.permute(0, 2, 3, 1) * 255).round().to(torch.uint8)
    return out.reshape(imgs_u8.shape)
