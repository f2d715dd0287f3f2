"""Noise schedule and samplers, written to match diffusers exactly (DDIMScheduler with trailing spacing and
LCMScheduler), so the TypeScript samplers that implement diffusers reproduce what we trained and evaluated."""
from __future__ import annotations

import math

import numpy as np
import torch

T = 1000
SCHEDULER_CONFIG = {
    "_class_name": "DDIMScheduler", "_diffusers_version": "0.27.0", "num_train_timesteps": T,
    "beta_schedule": "squaredcos_cap_v2", "beta_start": 0.0001, "beta_end": 0.02, "trained_betas": None,
    "prediction_type": "v_prediction", "timestep_spacing": "trailing", "steps_offset": 0, "set_alpha_to_one": True,
    "clip_sample": False, "clip_sample_range": 1.0, "thresholding": False, "dynamic_thresholding_ratio": 0.995,
    "sample_max_value": 1.0, "rescale_betas_zero_snr": False,
}
LCM_SCHEDULER_CONFIG = {
    "_class_name": "LCMScheduler", "_diffusers_version": "0.27.0", "num_train_timesteps": T,
    "beta_schedule": "squaredcos_cap_v2", "beta_start": 0.0001, "beta_end": 0.02, "trained_betas": None,
    "prediction_type": "v_prediction", "original_inference_steps": 50, "timestep_scaling": 10.0,
    "timestep_spacing": "leading", "steps_offset": 0, "set_alpha_to_one": True, "clip_sample": False,
    "clip_sample_range": 1.0, "thresholding": False, "dynamic_thresholding_ratio": 0.995, "sample_max_value": 1.0,
    "rescale_betas_zero_snr": False,
}
SIGMA_DATA = 0.5
TIMESTEP_SCALING = 10.0


def betas_for_alpha_bar(n, max_beta=0.999):
    def ab(t):
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
    return torch.tensor([min(1 - ab((i + 1) / n) / ab(i / n), max_beta) for i in range(n)], dtype=torch.float32)


ALPHAS_CUMPROD = torch.cumprod(1.0 - betas_for_alpha_bar(T), dim=0)  # float32, as diffusers
FINAL_ALPHA = torch.tensor(1.0)  # set_alpha_to_one


def ac(t):
    """alphas_cumprod at integer timesteps (tensor), FINAL_ALPHA for t < 0."""
    t = torch.as_tensor(t)
    return torch.where(t >= 0, ALPHAS_CUMPROD[t.clamp(min=0)], FINAL_ALPHA)


def bc(x, t):
    return x.reshape(-1, 1, 1, 1) if x.dim() else x


def q_sample(x0, t, noise):
    a = bc(ac(t), t).to(x0.device)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def v_target(x0, t, noise):
    a = bc(ac(t), t).to(x0.device)
    return a.sqrt() * noise - (1 - a).sqrt() * x0


def x0_from_v(x, t, v):
    a = bc(ac(t), t).to(x.device)
    return a.sqrt() * x - (1 - a).sqrt() * v


def eps_from_v(x, t, v):
    a = bc(ac(t), t).to(x.device)
    return a.sqrt() * v + (1 - a).sqrt() * x


def ddim_timesteps(n, T=T):
    """DDIMScheduler.set_timesteps with timestep_spacing='trailing'."""
    ratio = T / n
    return (np.round(np.arange(T, 0, -ratio)).astype(np.int64) - 1).tolist()


def ddim_step(v, t, x, prev_t):
    """diffusers DDIMScheduler.step (eta=0, v_prediction)."""
    x0 = x0_from_v(x, t, v)
    eps = eps_from_v(x, t, v)
    ap = bc(ac(prev_t), prev_t).to(x.device)
    return ap.sqrt() * x0 + (1 - ap).sqrt() * eps


def lcm_timesteps(n, original=50, T=T):
    """LCMScheduler.set_timesteps(n, original_inference_steps=original), strength 1."""
    k = T // original
    origin = (np.asarray(list(range(1, original + 1))) * k - 1)[::-1].copy()
    idx = np.floor(np.linspace(0, len(origin), num=n, endpoint=False)).astype(np.int64)
    return origin[idx].tolist()


def lcm_scalings(t):
    """LCMScheduler.get_scalings_for_boundary_condition_discrete."""
    s = torch.as_tensor(t, dtype=torch.float32) * TIMESTEP_SCALING
    c_skip = SIGMA_DATA ** 2 / (s ** 2 + SIGMA_DATA ** 2)
    c_out = s / (s ** 2 + SIGMA_DATA ** 2) ** 0.5
    return c_skip, c_out


def consistency_fn(model_out, x, t):
    """denoised = c_out * x0_pred + c_skip * x  (the function LCMScheduler.step applies)."""
    c_skip, c_out = lcm_scalings(t)
    c_skip, c_out = bc(c_skip, t).to(x.device), bc(c_out, t).to(x.device)
    return c_out * x0_from_v(x, t, model_out) + c_skip * x


@torch.no_grad()
def cfg_v(unet, x, t, cond, uncond, w):
    B = x.shape[0]
    tt = torch.full((2 * B,), int(t), dtype=torch.long, device=x.device) if not torch.is_tensor(t) or t.dim() == 0 else torch.cat([t, t])
    out = unet(torch.cat([x, x]), tt, torch.cat([uncond.expand(B, -1, -1), cond]))
    u, c = out.chunk(2)
    return u + w * (c - u)


@torch.no_grad()
def ddim_sample(unet, cond, uncond, latents, w, steps=50):
    x = latents
    ts = ddim_timesteps(steps)
    for i, t in enumerate(ts):
        v = cfg_v(unet, x, t, cond, uncond, w) if w != 1.0 else unet(x, torch.full((x.shape[0],), t, dtype=torch.long), cond)
        x = ddim_step(v, t, x, t - T // steps)
    return x


@torch.no_grad()
def lcm_sample(student, cond, latents, steps, generators=None):
    """diffusers LCMScheduler sampling. generators: list of per-sample torch.Generator (continued after latents)."""
    x = latents
    ts = lcm_timesteps(steps)
    B = x.shape[0]
    for i, t in enumerate(ts):
        out = student(x, torch.full((B,), t, dtype=torch.long, device=x.device), cond)
        den = consistency_fn(out, x, t)
        if i < len(ts) - 1:
            tp = ts[i + 1]
            if generators is None:
                z = torch.randn_like(x)
            else:
                z = torch.stack([torch.randn(x.shape[1:], generator=g) for g in generators]).to(x.device)
            a = ac(tp)
            x = a.sqrt() * den + (1 - a).sqrt() * z
        else:
            x = den
    return x


def seeded_latents(seeds, shape=(4, 16, 16)):
    """One torch CPU generator per sample, seeded with its seed; latents drawn first (as diffusers pipelines)."""
    gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
    lat = torch.stack([torch.randn(shape, generator=g) for g in gens])
    return lat, gens
