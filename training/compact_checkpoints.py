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


def main():
    OUT.mkdir(exist_ok=True)
    # The student is kept (EMA weights only) so the bundle can be re-exported without re-distilling; it records
    # the teacher step it was distilled from, and is re-distilled whenever the teacher improves (training/STATUS.md).
    for name in ["vae", "judge", "oracle", "teacher", "student"]:
        source = RUNS / f"{name}.pt"
        if not source.exists():
            continue
        state = torch.load(source, map_location="cpu")
        dropped = STUDENT_DROPPED if name == "student" else DROPPED
        compact = {key: value for key, value in state.items() if key not in dropped}
        torch.save(compact, OUT / f"{name}.pt")
        print(name, "step", compact.get("step"), f"{(OUT / f'{name}.pt').stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
