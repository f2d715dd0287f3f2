"""Image degradations used to make the judge robust and to give the oracle 'looks wrong' negatives."""
import torch
import torch.nn.functional as F


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
