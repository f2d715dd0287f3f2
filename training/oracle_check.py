"""How well an oracle checkpoint ranks student samples, measured by the judge on a development prompt set that is
neither the eval set nor the calibration set (so choosing between oracle designs does not tune to the eval).
Student images come from the exported bundle through onnxruntime-node and are cached in runs/oracle_dev_student.pt
(delete it after exporting a new student).

  /usr/bin/python3 -m training.oracle_check [--ckpt training/runs/oracle.pt]"""
import numpy as np
import torch

from .common import RUNS, Log, base_args, load_ckpt, setup
from .evaluate import load_judge, score_set
from .judging import judge_outputs, spearman, spearman_by_prompt_shape
from .models import Oracle
from .prompt_sets import canonical_set
from .world import encode

DEV_SEED = 777001


def dev_set():
    return canonical_set(DEV_SEED, 500000, 300, 150)


def student_images(rows, steps):
    f = RUNS / "oracle_dev_student.pt"
    if f.exists():
        return torch.load(f)
    from .sampling_job import generate
    imgs = generate("oracle_dev", [r["prompt"] for r in rows], [r["seed"] for r in rows], 0.0, steps, False, True)["student"]
    torch.save(imgs, f)
    return imgs


def report(scores, per, rows):
    n_right = np.array([sum(v.values()) for v in per], float)
    frac = n_right / np.array([len(v) for v in per])
    by_shape = {f"spearman_{name}": rho for name, rho in spearman_by_prompt_shape(scores, n_right, rows).items()}
    return {"spearman_count": spearman(scores, n_right), "spearman_fraction": spearman(scores, frac), **by_shape}


def main():
    args = base_args("oracle check", ckpt=str(RUNS / "oracle.pt"), steps=2).parse_args()
    setup(args)
    log = Log("oracle_check")
    rows = dev_set()
    imgs = student_images(rows, args.steps)
    per = score_set(judge_outputs(load_judge(), imgs), rows)
    st = load_ckpt(args.ckpt)
    net = Oracle()
    net.load_state_dict(st["model"]); net.eval()
    ids = torch.tensor([encode(r["prompt"]) for r in rows])
    with torch.no_grad():
        s = torch.cat([net(imgs[i:i + 200], ids[i:i + 200]) for i in range(0, len(rows), 200)]).numpy()
    log(args.ckpt, {k: round(v, 3) for k, v in report(s, per, rows).items()})


if __name__ == "__main__":
    main()
