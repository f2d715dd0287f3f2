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
# The student's raw and consistency-target weights only matter to continue its distillation, which restarts from
# its EMA weights (what is exported) just as well; they would double the file.
STUDENT_DROPPED = DROPPED | {"student", "target"}
# A teacher still in training and not yet served (teacher_v2): its EMA weights only, in float16, resumed from
# them; a quarter of a full checkpoint, which matters when one is committed every session.
IN_TRAINING_DROPPED = DROPPED | {"te", "unet"}


def half(state):
    return {k: half(v) if isinstance(v, dict) else v.half() if torch.is_tensor(v) and v.is_floating_point() else v
            for k, v in state.items()}


def main():
    OUT.mkdir(exist_ok=True)
    # The student is kept (EMA weights only) so the bundle can be re-exported without re-distilling; it records
    # the teacher step it was distilled from, and is re-distilled whenever the teacher improves (training/STATUS.md).
    for name in ["vae", "judge", "oracle", "teacher", "student", "teacher_v2"]:
        source = RUNS / f"{name}.pt"
        if not source.exists():
            continue
        state = torch.load(source, map_location="cpu")
        dropped = {"student": STUDENT_DROPPED, "teacher_v2": IN_TRAINING_DROPPED}.get(name, DROPPED)
        compact = {key: value for key, value in state.items() if key not in dropped}
        if name == "teacher_v2":
            compact = half(compact)
        torch.save(compact, OUT / f"{name}.pt")
        print(name, "step", compact.get("step"), f"{(OUT / f'{name}.pt').stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
