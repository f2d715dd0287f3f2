"""Shared helpers: paths, device/threads, checkpointing, data caches."""
from __future__ import annotations

import argparse
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent
RUNS = Path(os.environ.get("UNDERSTUDY_RUNS", ROOT / "runs"))
DATA = ROOT / "data"
BUNDLE = Path(os.environ.get("UNDERSTUDY_BUNDLE_DIR", ROOT.parent / "models"))


def base_args(desc: str, **defaults) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=desc)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("UNDERSTUDY_THREADS", "1")))
    ap.add_argument("--seed", type=int, default=0)
    for k, v in defaults.items():
        ap.add_argument("--" + k.replace("_", "-"), type=type(v), default=v)
    return ap


def setup(args):
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    RUNS.mkdir(parents=True, exist_ok=True)
    DATA.mkdir(parents=True, exist_ok=True)
    return torch.device(args.device)


def save_ckpt(path: Path, **state):
    tmp = Path(str(path) + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def restore_optimizer(state: dict, opt, sched=None) -> bool:
    """Load optimizer (and LR schedule) state when the checkpoint kept it; the committed ones in
    training/checkpoints/ do not, and then training continues with a fresh optimizer. Returns whether it was
    restored: a fresh Adam's first steps move every weight by about the full learning rate, so callers warm the
    learning rate up again from the resumed step."""
    if sched is not None and "sched" in state:
        sched.load_state_dict(state["sched"])
    if "opt" not in state:
        return False
    opt.load_state_dict(state["opt"])
    return True


def warmup_lr(base_lr: float, step: int, warm_from: int, warmup_steps: int = 200) -> float:
    """Linear warm-up over `warmup_steps` counted from `warm_from` (0, or the step a fresh optimizer resumed at)."""
    return base_lr * min(1.0, (step - warm_from + 1) / warmup_steps)


def anneal_lr(lr: float, step: int, anneal_from: int, total: int, floor: float = 0.1) -> float:
    """Cosine decay of the learning rate from `anneal_from` to `total` down to `floor`·lr (0 = no annealing).
    Training runs across sessions at a constant rate; the last stretch before an export is annealed, which
    sharpens the EMA weights more than the same steps at full rate."""
    if not anneal_from or step < anneal_from or total <= anneal_from:
        return lr
    frac = min(1.0, (step - anneal_from) / (total - anneal_from))
    return lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * frac)))


def load_ckpt(path: Path, device="cpu"):
    if not Path(path).exists():
        return None
    return torch.load(path, map_location=device)


def off_world_suffix(jitter: float = 2.0, scale: float = 0.0) -> str:
    """The part of a data file's name that says its objects are placed or sized off the world's own rules."""
    return "" if (jitter, scale) == (2.0, 0.0) else f"_jitter{jitter:g}_scale{scale:g}"


def render_cache(name: str, n: int, seed: int, p_two: float = 0.35, jitter: float = 2.0, scale: float = 0.0):
    """Rendered (images, ids, scenes-json, prompts) cached under training/data/."""
    import pickle
    from .world import make_dataset
    f = DATA / f"{name}_{n}_{seed}{off_world_suffix(jitter, scale)}.pkl"
    if f.exists():
        with open(f, "rb") as fh:
            return pickle.load(fh)
    t = time.time()
    imgs, ids, scenes, prompts = make_dataset(n, seed, p_two, jitter, scale)
    d = (imgs, ids, scenes, prompts)
    with open(f, "wb") as fh:
        pickle.dump(d, fh)
    print(f"rendered {n} scenes in {time.time()-t:.0f}s -> {f}", flush=True)
    return d


def to_tensor_img(u8: np.ndarray) -> torch.Tensor:
    """uint8 [n,64,64,3] -> float [n,3,64,64] in [0,1]."""
    return torch.from_numpy(u8).permute(0, 3, 1, 2).float().div_(255.0)


class Log:
    def __init__(self, name):
        self.f = open(RUNS / f"{name}.log", "a")

    def __call__(self, *a):
        s = time.strftime("%H:%M:%S ") + " ".join(str(x) for x in a)
        print(s, flush=True)
        self.f.write(s + "\n")
        self.f.flush()
