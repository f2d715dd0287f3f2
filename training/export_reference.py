#!/usr/bin/env python3
"""Reference vectors for gpu-service's schedulers and seeded noise.

Run with a Python that has torch and numpy (Debian: /usr/bin/python3):

    /usr/bin/python3 training/export_reference.py

It writes training/reference/{randn,derive_seed,alphas,timesteps,trajectories}.json. The TypeScript
unit tests in gpu-service/src/{noise,schedulers} load these files and compare numbers.

Noise comes from torch itself (torch.manual_seed + torch.randn on CPU, float32). The schedulers are
small, independent re-implementations of diffusers' DDIMScheduler, DPMSolverMultistepScheduler
(dpmsolver++), EulerDiscreteScheduler and LCMScheduler, written from diffusers' formulas with the
same dtypes (float32 torch tensors for betas, alphas_cumprod, sigmas and samples; numpy float64
for timestep spacing), because diffusers itself is not installable here. Only the features the
TypeScript side supports are reproduced.
"""
from __future__ import annotations

import json
import math
import os
import sys
from typing import Any

import numpy as np
import torch

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")

# ---------------------------------------------------------------------------------------------
# JSON helpers: float32 values are written in their shortest round-tripping decimal form.


def f32list(t: torch.Tensor | np.ndarray) -> list[float]:
    arr = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    return [float(str(v)) for v in arr.astype(np.float32).reshape(-1)]


def f64list(values) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).reshape(-1)]


def write(name: str, payload: Any) -> None:
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as fh:
        json.dump(payload, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


# ---------------------------------------------------------------------------------------------
# Seeded noise


RANDN_SEEDS = [0, 1, 7, 42, 2**32 - 1, 123456789]
RANDN_SHAPES = [[1], [3], [15], [16], [17], [100], [1, 4, 16, 16], [2, 4, 8, 8], [4, 64, 64], [4, 4, 128, 128]]
FULL_LIMIT = 1024  # store every value up to this many elements; above: head/tail/sum/sumsq
EDGE = 64


def summarise(values: torch.Tensor) -> dict[str, Any]:
    flat = values.reshape(-1)
    n = flat.numel()
    if n <= FULL_LIMIT:
        return {"values": f32list(flat)}
    as64 = flat.double()
    return {
        "head": f32list(flat[:EDGE]),
        "tail": f32list(flat[-EDGE:]),
        "sum": float(as64.sum()),
        "sumsq": float((as64 * as64).sum()),
    }


def export_randn() -> None:
    single = []
    for seed in RANDN_SEEDS:
        for shape in RANDN_SHAPES:
            torch.manual_seed(seed)
            single.append({"seed": seed, "shape": shape, **summarise(torch.randn(shape))})

    # One generator through several draws: mixes the scalar path (< 16, with its cached spare
    # sample) and the vectorised one (which neither reads nor writes that cache).
    draws = [3, 1, 20, 5, 1024, 2, 17, 1, 16, 7, 4096, 9]
    sequences = []
    for seed in [0, 42, 123456789]:
        g = torch.Generator().manual_seed(seed)
        sequences.append({"seed": seed, "draws": [{"length": n, **summarise(torch.randn(n, generator=g))} for n in draws]})

    # Seeds beyond 32 bits: torch keeps only the low 32 bits for mt19937. Written as strings.
    wide = []
    for seed in [2**32, 2**40 + 7, 2**63 + 12345, -1, -(2**40)]:
        torch.manual_seed(seed)
        wide.append({"seed": str(seed), "values": f32list(torch.randn(20))})

    write("randn.json", {"torch": torch.__version__, "single": single, "sequences": sequences, "wideSeeds": wide})


# ---------------------------------------------------------------------------------------------
# deriveSeed (gpu-service/src/noise/derive-seed.ts): FNV-1a-32 over utf8(purpose) + 0x00 + seed
# as 4 little-endian bytes, then MurmurHash3's fmix32.


def derive_seed(seed: int, purpose: str) -> int:
    h = 0x811C9DC5
    for byte in purpose.encode("utf-8") + b"\x00" + seed.to_bytes(4, "little"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h


def export_derive_seed() -> None:
    cases = [
        {"seed": s, "purpose": p, "derived": derive_seed(s, p)}
        for s in [0, 1, 7, 42, 2**32 - 1, 123456789]
        for p in ["refine", "regenerate", "edit", "", "ünïcode ✓"]
    ]
    write("derive_seed.json", {"cases": cases})


# ---------------------------------------------------------------------------------------------
# Scheduler configuration (diffusers' __init__ defaults per class)

COMMON = {
    "num_train_timesteps": 1000,
    "beta_start": 0.0001,
    "beta_end": 0.02,
    "beta_schedule": "linear",
    "trained_betas": None,
    "prediction_type": "epsilon",
    "steps_offset": 0,
}
DEFAULTS = {
    "ddim": {**COMMON, "clip_sample": True, "clip_sample_range": 1.0, "set_alpha_to_one": True, "timestep_spacing": "leading"},
    "dpmsolver++": {
        **COMMON,
        "solver_order": 2,
        "solver_type": "midpoint",
        "lower_order_final": True,
        "euler_at_final": False,
        "final_sigmas_type": "zero",
        "timestep_spacing": "linspace",
    },
    "euler": {**COMMON, "interpolation_type": "linear", "final_sigmas_type": "zero", "timestep_spacing": "linspace"},
    "lcm": {
        **COMMON,
        "beta_start": 0.00085,
        "beta_end": 0.012,
        "beta_schedule": "scaled_linear",
        "original_inference_steps": 50,
        "clip_sample": False,
        "clip_sample_range": 1.0,
        "set_alpha_to_one": True,
        "timestep_spacing": "leading",
        "timestep_scaling": 10.0,
    },
}


def resolve(sampler: str, config: dict[str, Any]) -> dict[str, Any]:
    return {**DEFAULTS[sampler], **config}


def betas_for_alpha_bar(n: int, max_beta: float = 0.999) -> torch.Tensor:
    def alpha_bar(t: float) -> float:
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

    betas = [min(1 - alpha_bar((i + 1) / n) / alpha_bar(i / n), max_beta) for i in range(n)]
    return torch.tensor(betas, dtype=torch.float32)


def make_betas(c: dict[str, Any]) -> torch.Tensor:
    n = c["num_train_timesteps"]
    if c["trained_betas"] is not None:
        return torch.tensor(c["trained_betas"], dtype=torch.float32)
    if c["beta_schedule"] == "linear":
        return torch.linspace(c["beta_start"], c["beta_end"], n, dtype=torch.float32)
    if c["beta_schedule"] == "scaled_linear":
        return torch.linspace(c["beta_start"] ** 0.5, c["beta_end"] ** 0.5, n, dtype=torch.float32) ** 2
    if c["beta_schedule"] == "squaredcos_cap_v2":
        return betas_for_alpha_bar(n)
    raise ValueError(c["beta_schedule"])


def make_alphas_cumprod(c: dict[str, Any]) -> torch.Tensor:
    return torch.cumprod(1.0 - make_betas(c), dim=0)


def img2img_start(num_inference_steps: int, strength: float) -> int:
    """StableDiffusionImg2ImgPipeline.get_timesteps: index of the first timestep to run."""
    init_timestep = min(int(num_inference_steps * strength), num_inference_steps)
    return max(num_inference_steps - init_timestep, 0)


def predict_x0(c, model_output, sample, alpha_prod_t):
    beta_prod_t = 1 - alpha_prod_t
    if c["prediction_type"] == "epsilon":
        return (sample - beta_prod_t**0.5 * model_output) / alpha_prod_t**0.5
    if c["prediction_type"] == "sample":
        return model_output
    if c["prediction_type"] == "v_prediction":
        return alpha_prod_t**0.5 * sample - beta_prod_t**0.5 * model_output
    raise ValueError(c["prediction_type"])


class Ddim:
    """DDIMScheduler with eta = 0."""

    def __init__(self, config):
        self.c = c = resolve("ddim", config)
        self.alphas_cumprod = make_alphas_cumprod(c)
        self.final_alpha_cumprod = torch.tensor(1.0) if c["set_alpha_to_one"] else self.alphas_cumprod[0]
        self.init_noise_sigma = 1.0
        self.sigmas = None

    def set_timesteps(self, n, strength=None):
        c, T = self.c, self.c["num_train_timesteps"]
        self.num_inference_steps = n
        if c["timestep_spacing"] == "linspace":
            ts = np.linspace(0, T - 1, n).round()[::-1].copy().astype(np.int64)
        elif c["timestep_spacing"] == "leading":
            ratio = T // n
            ts = (np.arange(0, n) * ratio).round()[::-1].copy().astype(np.int64) + c["steps_offset"]
        else:
            ratio = T / n
            ts = np.round(np.arange(T, 0, -ratio)).astype(np.int64) - 1
        self.timesteps = torch.from_numpy(ts)

    def scale_model_input(self, sample, t):
        return sample

    def step(self, model_output, t, sample, generator=None):
        c = self.c
        prev_t = int(t) - c["num_train_timesteps"] // self.num_inference_steps
        a_t = self.alphas_cumprod[int(t)]
        a_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.final_alpha_cumprod
        beta_t = 1 - a_t
        if c["prediction_type"] == "epsilon":
            x0 = (sample - beta_t**0.5 * model_output) / a_t**0.5
            eps = model_output
        elif c["prediction_type"] == "sample":
            x0 = model_output
            eps = (sample - a_t**0.5 * x0) / beta_t**0.5
        else:
            x0 = a_t**0.5 * sample - beta_t**0.5 * model_output
            eps = a_t**0.5 * model_output + beta_t**0.5 * sample
        if c["clip_sample"]:
            x0 = x0.clamp(-c["clip_sample_range"], c["clip_sample_range"])
        direction = (1 - a_prev) ** 0.5 * eps
        return a_prev**0.5 * x0 + direction

    def add_noise(self, x0, noise, t):
        a = self.alphas_cumprod[int(t)]
        return a**0.5 * x0 + (1 - a) ** 0.5 * noise

    def timesteps_for_strength(self, n, strength):
        self.set_timesteps(n)
        start = img2img_start(n, strength)
        self.begin_index = start
        return self.timesteps[start:]


def index_for_timestep(timesteps: torch.Tensor, t) -> int:
    candidates = (timesteps == t).nonzero()
    if len(candidates) == 0:
        return len(timesteps) - 1
    return int(candidates[1 if len(candidates) > 1 else 0])


def sigma_to_alpha_sigma_t(sigma):
    alpha_t = 1 / ((sigma**2 + 1) ** 0.5)
    return alpha_t, sigma * alpha_t


class DpmSolverPP:
    """DPMSolverMultistepScheduler, algorithm_type dpmsolver++, solver_order 1 or 2."""

    def __init__(self, config):
        self.c = c = resolve("dpmsolver++", config)
        self.alphas_cumprod = make_alphas_cumprod(c)
        self.init_noise_sigma = 1.0
        self.begin_index = None

    def set_timesteps(self, n, strength=None):
        c, T = self.c, self.c["num_train_timesteps"]
        last = T
        clip = c.get("lambda_min_clipped", -math.inf)
        if clip != -math.inf:
            # Drop the noisiest timesteps whose half log-SNR is below the clip (for the cosine schedule).
            lambda_t = torch.log(torch.sqrt(self.alphas_cumprod)) - torch.log(torch.sqrt(1 - self.alphas_cumprod))
            last = T - int(torch.searchsorted(torch.flip(lambda_t, [0]), clip))
        if c["timestep_spacing"] == "linspace":
            ts = np.linspace(0, last - 1, n + 1).round()[::-1][:-1].copy().astype(np.int64)
        elif c["timestep_spacing"] == "leading":
            ratio = last // (n + 1)
            ts = (np.arange(0, n + 1) * ratio).round()[::-1][:-1].copy().astype(np.int64) + c["steps_offset"]
        else:
            ratio = T / n
            ts = np.arange(last, 0, -ratio).round().copy().astype(np.int64) - 1
        sigmas = np.array(((1 - self.alphas_cumprod) / self.alphas_cumprod) ** 0.5)
        sigmas = np.interp(ts, np.arange(0, len(sigmas)), sigmas)
        if c["final_sigmas_type"] == "sigma_min":
            last_sigma = float(((1 - self.alphas_cumprod[0]) / self.alphas_cumprod[0]) ** 0.5)
        else:
            last_sigma = 0
        self.sigmas = torch.from_numpy(np.concatenate([sigmas, [last_sigma]]).astype(np.float32))
        self.timesteps = torch.from_numpy(ts)
        self.num_inference_steps = len(ts)
        self.model_outputs = [None] * c["solver_order"]
        self.lower_order_nums = 0
        self.step_index = None
        self.begin_index = None

    def scale_model_input(self, sample, t):
        return sample

    def convert(self, model_output, sample):
        alpha_t, sigma_t = sigma_to_alpha_sigma_t(self.sigmas[self.step_index])
        p = self.c["prediction_type"]
        if p == "epsilon":
            return (sample - sigma_t * model_output) / alpha_t
        if p == "sample":
            return model_output
        return alpha_t * sample - sigma_t * model_output

    def lambdas(self, *indices):
        out = []
        for i in indices:
            a, s = sigma_to_alpha_sigma_t(self.sigmas[i])
            out.append((a, s, torch.log(a) - torch.log(s)))
        return out

    def first_order(self, m0, sample):
        (alpha_t, sigma_t, lambda_t), (_, sigma_s, lambda_s) = self.lambdas(self.step_index + 1, self.step_index)
        h = lambda_t - lambda_s
        return (sigma_t / sigma_s) * sample - (alpha_t * (torch.exp(-h) - 1.0)) * m0

    def second_order(self, sample):
        i = self.step_index
        (alpha_t, sigma_t, lambda_t), (_, sigma_s0, lambda_s0), (_, _, lambda_s1) = self.lambdas(i + 1, i, i - 1)
        m0, m1 = self.model_outputs[-1], self.model_outputs[-2]
        h, h_0 = lambda_t - lambda_s0, lambda_s0 - lambda_s1
        r0 = h_0 / h
        d0, d1 = m0, (1.0 / r0) * (m0 - m1)
        base = (sigma_t / sigma_s0) * sample - (alpha_t * (torch.exp(-h) - 1.0)) * d0
        if self.c["solver_type"] == "midpoint":
            return base - 0.5 * (alpha_t * (torch.exp(-h) - 1.0)) * d1
        return base + (alpha_t * ((torch.exp(-h) - 1.0) / h + 1.0)) * d1

    def step(self, model_output, t, sample, generator=None):
        c = self.c
        if self.step_index is None:
            self.step_index = self.begin_index if self.begin_index is not None else index_for_timestep(self.timesteps, t)
        n = len(self.timesteps)
        lower_final = self.step_index == n - 1 and (
            c["euler_at_final"] or (c["lower_order_final"] and n < 15) or c["final_sigmas_type"] == "zero"
        )
        x0 = self.convert(model_output, sample)
        for k in range(c["solver_order"] - 1):
            self.model_outputs[k] = self.model_outputs[k + 1]
        self.model_outputs[-1] = x0
        if c["solver_order"] == 1 or self.lower_order_nums < 1 or lower_final:
            prev = self.first_order(x0, sample)
        else:
            prev = self.second_order(sample)
        self.lower_order_nums = min(self.lower_order_nums + 1, c["solver_order"])
        self.step_index += 1
        return prev

    def add_noise(self, x0, noise, t):
        if self.begin_index is None:
            idx = index_for_timestep(self.timesteps, t)
        elif self.step_index is not None:
            idx = self.step_index
        else:
            idx = self.begin_index
        alpha_t, sigma_t = sigma_to_alpha_sigma_t(self.sigmas[idx])
        return alpha_t * x0 + sigma_t * noise

    def timesteps_for_strength(self, n, strength):
        self.set_timesteps(n)
        start = img2img_start(n, strength)
        self.begin_index = start
        return self.timesteps[start:]


class Euler:
    """EulerDiscreteScheduler (s_churn = 0, interpolation_type linear, no Karras sigmas)."""

    def __init__(self, config):
        self.c = c = resolve("euler", config)
        self.alphas_cumprod = make_alphas_cumprod(c)
        self.begin_index = None

    @property
    def init_noise_sigma(self):
        max_sigma = self.sigmas.max()
        if self.c["timestep_spacing"] in ["linspace", "trailing"]:
            return max_sigma
        return (max_sigma**2 + 1) ** 0.5

    def set_timesteps(self, n, strength=None):
        c, T = self.c, self.c["num_train_timesteps"]
        if c["timestep_spacing"] == "linspace":
            ts = np.linspace(0, T - 1, n, dtype=np.float32)[::-1].copy()
        elif c["timestep_spacing"] == "leading":
            ratio = T // n
            ts = (np.arange(0, n) * ratio).round()[::-1].copy().astype(np.float32)
            ts += c["steps_offset"]
        else:
            ratio = T / n
            ts = (np.arange(T, 0, -ratio)).round().copy().astype(np.float32)
            ts -= 1
        sigmas = np.array(((1 - self.alphas_cumprod) / self.alphas_cumprod) ** 0.5)
        sigmas = np.interp(ts, np.arange(0, len(sigmas)), sigmas)
        sigmas = torch.from_numpy(sigmas).to(dtype=torch.float32)
        if c["final_sigmas_type"] == "sigma_min":
            last_sigma = ((1 - self.alphas_cumprod[0]) / self.alphas_cumprod[0]) ** 0.5
        else:
            last_sigma = 0.0
        self.timesteps = torch.from_numpy(ts.astype(np.float32))
        self.sigmas = torch.cat([sigmas, torch.tensor([float(last_sigma)], dtype=torch.float32)])
        self.step_index = None
        self.begin_index = None

    def init_step_index(self, t):
        if self.step_index is None:
            self.step_index = self.begin_index if self.begin_index is not None else index_for_timestep(self.timesteps, t)

    def scale_model_input(self, sample, t):
        self.init_step_index(t)
        sigma = self.sigmas[self.step_index]
        return sample / ((sigma**2 + 1) ** 0.5)

    def step(self, model_output, t, sample, generator=None):
        self.init_step_index(t)
        sigma = self.sigmas[self.step_index]
        sigma_hat = sigma  # gamma = 0 with s_churn = 0
        p = self.c["prediction_type"]
        if p == "epsilon":
            x0 = sample - sigma_hat * model_output
        elif p == "sample":
            x0 = model_output
        else:
            x0 = model_output * (-sigma / (sigma**2 + 1) ** 0.5) + (sample / (sigma**2 + 1))
        derivative = (sample - x0) / sigma_hat
        dt = self.sigmas[self.step_index + 1] - sigma_hat
        self.step_index += 1
        return sample + derivative * dt

    def add_noise(self, x0, noise, t):
        if self.begin_index is None:
            idx = index_for_timestep(self.timesteps, t)
        elif self.step_index is not None:
            idx = self.step_index
        else:
            idx = self.begin_index
        return x0 + noise * self.sigmas[idx]

    def timesteps_for_strength(self, n, strength):
        self.set_timesteps(n)
        start = img2img_start(n, strength)
        self.begin_index = start
        return self.timesteps[start:]


class Lcm:
    """LCMScheduler (multistep consistency sampling)."""

    def __init__(self, config):
        self.c = c = resolve("lcm", config)
        self.alphas_cumprod = make_alphas_cumprod(c)
        self.final_alpha_cumprod = torch.tensor(1.0) if c["set_alpha_to_one"] else self.alphas_cumprod[0]
        self.init_noise_sigma = 1.0
        self.sigmas = None
        self.begin_index = None

    def set_timesteps(self, n, strength=1.0):
        c, T = self.c, self.c["num_train_timesteps"]
        original = c["original_inference_steps"]
        k = T // original
        origin = np.asarray(list(range(1, int(original * strength) + 1))) * k - 1
        skipping = len(origin) // n
        if skipping < 1:
            raise ValueError("original_inference_steps x strength < num_inference_steps")
        origin = origin[::-1].copy()
        indices = np.floor(np.linspace(0, len(origin), num=n, endpoint=False)).astype(np.int64)
        self.timesteps = torch.from_numpy(origin[indices]).to(dtype=torch.long)
        self.num_inference_steps = n
        self.step_index = None
        self.begin_index = None

    def scale_model_input(self, sample, t):
        return sample

    def scalings(self, t):
        sigma_data = 0.5
        scaled = t * self.c["timestep_scaling"]
        c_skip = sigma_data**2 / (scaled**2 + sigma_data**2)
        c_out = scaled / (scaled**2 + sigma_data**2) ** 0.5
        return c_skip, c_out

    def step(self, model_output, t, sample, generator=None):
        c = self.c
        if self.step_index is None:
            self.step_index = self.begin_index if self.begin_index is not None else index_for_timestep(self.timesteps, t)
        nxt = self.step_index + 1
        prev_t = self.timesteps[nxt] if nxt < len(self.timesteps) else t
        a_t = self.alphas_cumprod[t]
        a_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.final_alpha_cumprod
        c_skip, c_out = self.scalings(t)
        x0 = predict_x0(c, model_output, sample, a_t)
        if c["clip_sample"]:
            x0 = x0.clamp(-c["clip_sample_range"], c["clip_sample_range"])
        denoised = c_out * x0 + c_skip * sample
        if self.step_index != self.num_inference_steps - 1:
            noise = torch.randn(model_output.shape, generator=generator, dtype=denoised.dtype)
            prev = a_prev.sqrt() * denoised + (1 - a_prev).sqrt() * noise
        else:
            prev = denoised
        self.step_index += 1
        return prev

    def add_noise(self, x0, noise, t):
        a = self.alphas_cumprod[int(t)]
        return a**0.5 * x0 + (1 - a) ** 0.5 * noise

    def timesteps_for_strength(self, n, strength):
        # LatentConsistencyModelImg2ImgPipeline: set_timesteps(n, strength=...) and run all of them.
        self.set_timesteps(n, strength)
        return self.timesteps


SCHEDULERS = {"ddim": Ddim, "dpmsolver++": DpmSolverPP, "euler": Euler, "lcm": Lcm}

# ---------------------------------------------------------------------------------------------
# Scheduler exports

SCHEDULES = [
    {"beta_schedule": "linear"},
    {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012},
    {"beta_schedule": "squaredcos_cap_v2"},
    {"beta_schedule": "linear", "num_train_timesteps": 500, "beta_start": 0.0002, "beta_end": 0.03},
    {"trained_betas": [0.01 + 0.003 * i for i in range(40)], "num_train_timesteps": 40},
]


def export_alphas() -> None:
    cases = []
    for cfg in SCHEDULES:
        ac = make_alphas_cumprod(resolve("ddim", cfg))
        cases.append({"config": cfg, "alphasCumprod": f32list(ac), "betas": f32list(make_betas(resolve("ddim", cfg)))})
    write("alphas.json", {"cases": cases})


STEP_COUNTS = [1, 2, 4, 10, 25, 50]


def export_timesteps() -> None:
    cases = []
    for sampler in ["ddim", "dpmsolver++", "euler"]:
        for spacing in ["leading", "trailing", "linspace"]:
            for offset in [0, 1]:
                for n in STEP_COUNTS + [7, 999]:
                    cfg = {"timestep_spacing": spacing, "steps_offset": offset, "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012}
                    s = SCHEDULERS[sampler](cfg)
                    s.set_timesteps(n)
                    entry = {"sampler": sampler, "config": cfg, "steps": n, "timesteps": f64list(s.timesteps.numpy())}
                    if s.sigmas is not None:
                        entry["sigmas"] = f32list(s.sigmas)
                    entry["initNoiseSigma"] = float(s.init_noise_sigma)
                    cases.append(entry)
    for original in [50, 100]:
        for strength in [1.0, 0.5, 0.3]:
            for n in [1, 2, 4, 8]:
                if int(original * strength) < n:
                    continue
                s = Lcm({"original_inference_steps": original})
                s.set_timesteps(n, strength)
                cases.append({"sampler": "lcm", "config": {"original_inference_steps": original}, "steps": n, "strength": strength, "timesteps": f64list(s.timesteps.numpy()), "initNoiseSigma": 1.0})
    # img2img slicing for every sampler
    for sampler in SCHEDULERS:
        for n in [4, 10, 25]:
            for strength in [0.05, 0.3, 0.5, 0.7, 0.75, 1.0]:
                s = SCHEDULERS[sampler]({})
                try:
                    ts = s.timesteps_for_strength(n, strength)
                except ValueError:
                    continue
                cases.append({"sampler": sampler, "config": {}, "steps": n, "strength": strength, "img2img": True, "timesteps": f64list(ts.numpy())})
    write("timesteps.json", {"cases": cases})


SAMPLE_SHAPE = (2, 4, 2, 2)  # a batch of two, 32 values: small enough to store every step


def toy_model(sample: torch.Tensor, t) -> torch.Tensor:
    """A deterministic stand-in for the UNet: 0.1·x + 0.05·cos(t/100), elementwise, float32."""
    return 0.1 * sample + np.float32(0.05 * math.cos(float(t) / 100.0))


def trajectory(sampler: str, cfg: dict[str, Any], steps: int, seed: int, strength: float | None = None) -> dict[str, Any]:
    s = SCHEDULERS[sampler](cfg)
    g = torch.Generator().manual_seed(seed)
    entry: dict[str, Any] = {"sampler": sampler, "config": cfg, "steps": steps, "seed": seed}
    if strength is None:
        s.set_timesteps(steps)
        timesteps = s.timesteps
        x = torch.randn(SAMPLE_SHAPE, generator=g) * s.init_noise_sigma
    else:
        entry["strength"] = strength
        timesteps = s.timesteps_for_strength(steps, strength)
        x0 = torch.randn(SAMPLE_SHAPE, generator=g)  # stands in for the VAE-encoded image
        noise = torch.randn(SAMPLE_SHAPE, generator=g)
        x = s.add_noise(x0, noise, timesteps[0])
    entry["timesteps"] = f64list(timesteps.numpy())
    entry["initNoiseSigma"] = float(s.init_noise_sigma)
    entry["initial"] = f32list(x)
    states = []
    for t in timesteps:
        inp = s.scale_model_input(x, t)
        x = s.step(toy_model(inp, t), t, x, generator=g).to(torch.float32)
        states.append(f32list(x))
    entry["states"] = states
    return entry


def export_trajectories() -> None:
    cases = []
    seed = 1234
    sched_variants = [
        {},
        {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012},
        {"beta_schedule": "squaredcos_cap_v2"},
    ]
    sd15 = {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "steps_offset": 1, "set_alpha_to_one": False, "clip_sample": False}
    # DDIM
    for base in sched_variants:
        for n in STEP_COUNTS:
            cases.append(trajectory("ddim", base, n, seed))
    for spacing in ["leading", "trailing", "linspace"]:
        for pred in ["epsilon", "v_prediction", "sample"]:
            for n in [4, 25]:
                cases.append(trajectory("ddim", {**sd15, "timestep_spacing": spacing, "prediction_type": pred}, n, seed))
    cases.append(trajectory("ddim", {**sd15, "set_alpha_to_one": True, "steps_offset": 0}, 10, seed))
    cases.append(trajectory("ddim", {**sd15, "clip_sample": True, "clip_sample_range": 0.5}, 10, seed))
    # DPM-Solver++ 2M
    for base in sched_variants:
        for n in STEP_COUNTS:
            cases.append(trajectory("dpmsolver++", base, n, seed))
    for spacing in ["leading", "trailing", "linspace"]:
        for pred in ["epsilon", "v_prediction"]:
            for n in [4, 20]:
                cases.append(trajectory("dpmsolver++", {**sd15, "timestep_spacing": spacing, "prediction_type": pred}, n, seed))
    cases.append(trajectory("dpmsolver++", {**sd15, "final_sigmas_type": "sigma_min", "lower_order_final": False}, 20, seed))
    cases.append(trajectory("dpmsolver++", {**sd15, "final_sigmas_type": "sigma_min"}, 10, seed))
    cases.append(trajectory("dpmsolver++", {**sd15, "solver_type": "heun"}, 10, seed))
    cases.append(trajectory("dpmsolver++", {**sd15, "solver_order": 1}, 10, seed))
    for spacing in ["leading", "trailing", "linspace"]:
        cosine = {"beta_schedule": "squaredcos_cap_v2", "lambda_min_clipped": -5.1, "timestep_spacing": spacing}
        cases.append(trajectory("dpmsolver++", cosine, 10, seed))
    # Euler
    for base in sched_variants:
        for n in STEP_COUNTS:
            cases.append(trajectory("euler", base, n, seed))
    for spacing in ["leading", "trailing", "linspace"]:
        for pred in ["epsilon", "v_prediction"]:
            for n in [4, 25]:
                cases.append(trajectory("euler", {**sd15, "timestep_spacing": spacing, "prediction_type": pred}, n, seed))
    cases.append(trajectory("euler", {**sd15, "final_sigmas_type": "sigma_min"}, 10, seed))
    # LCM
    for n in [1, 2, 4, 8]:
        cases.append(trajectory("lcm", {}, n, seed))
        cases.append(trajectory("lcm", {"prediction_type": "v_prediction", "original_inference_steps": 100}, n, seed + 1))
    cases.append(trajectory("lcm", {"set_alpha_to_one": False, "timestep_scaling": 1.0, "clip_sample": True}, 4, seed))
    cases.append(trajectory("lcm", {"beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02}, 6, seed))
    # img2img / SDEdit: start mid-schedule
    for sampler in SCHEDULERS:
        for n, strength in [(10, 0.3), (10, 0.75), (25, 0.5), (4, 0.5), (4, 1.0)]:
            cfg = {} if sampler == "lcm" else sd15
            cases.append(trajectory(sampler, cfg, n, seed + 2, strength))
    write("trajectories.json", {"sampleShape": list(SAMPLE_SHAPE), "cases": cases})


def main() -> None:
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.set_num_threads(1)
    export_randn()
    export_derive_seed()
    export_alphas()
    export_timesteps()
    export_trajectories()


if __name__ == "__main__":
    sys.exit(main())
