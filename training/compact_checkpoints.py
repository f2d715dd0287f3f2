"""Copy the training checkpoints into training/checkpoints/ without optimizer state, small enough to commit.

The machines do not keep training/runs/ between sessions, and CPU hours are scarce, so each session commits
its latest weights here. To resume: `mkdir -p training/runs && cp training/checkpoints/*.pt training/runs/`;
each stage then continues from its step with a fresh optimizer (Adam's moments rebuild within ~100 steps).
"""
from pathlib import Path

import torch

RUNS = Path(__file__).parent / "runs"
OUT = Path(__file__).parent / "checkpoints"
DROPPED = {"opt", "sched"}
# Teachers and the student keep only their EMA weights (what is exported, and what training resumes from): the
# raw weights and the student's consistency target would double or triple each file.
EMA_ONLY = DROPPED | {"te", "unet", "student", "target"}
# `teacher` is the served teacher (v2) and the student is distilled from it; teacher_v1.pt, its finished warm start
# (build_bundle.sh), is committed as it was and not rewritten.
NAMES = ["vae", "judge", "oracle", "teacher", "student"]


def half(state):
    return {k: half(v) if isinstance(v, dict) else v.half() if torch.is_tensor(v) and v.is_floating_point() else v
            for k, v in state.items()}


def same(a, b):
    """Whether two checkpoint states hold the same values (tensors compared exactly)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if torch.is_tensor(a) and torch.is_tensor(b):
        return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    return type(a) is type(b) and a == b


def main():
    OUT.mkdir(exist_ok=True)
    for name in NAMES:
        source, target = RUNS / f"{name}.pt", OUT / f"{name}.pt"
        if not source.exists():
            continue
        state = torch.load(source, map_location="cpu")
        compact = {key: value for key, value in state.items() if key not in (DROPPED if name == "vae" else EMA_ONLY)}
        # float16 halves every file; training resumes from it and export reads it back into float32 models.
        compact = compact if name == "vae" else half(compact)
        # Rewriting an unchanged checkpoint would commit the same weights again as a new file.
        if target.exists() and same(torch.load(target, map_location="cpu"), compact):
            print(name, "step", compact.get("step"), "already committed")
            continue
        torch.save(compact, target)
        print(name, "step", compact.get("step"), f"{target.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
