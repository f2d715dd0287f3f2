"""How well an oracle checkpoint ranks student samples, measured by the judge on a development prompt set that is
neither the eval set nor the calibration set (so choosing between oracle designs does not tune to the eval).
Student images come from the exported bundle through onnxruntime-node and are cached under runs/gen/oracle_dev.

  /usr/bin/python3 -m training.oracle_check [--ckpt training/runs/oracle.pt]"""
import random

import numpy as np
import torch

from .common import RUNS, Log, base_args, load_ckpt, setup
from .evaluate import load_judge, score_set
from .judging import judge_outputs, spearman
from .models import Oracle
from .world import canonical_prompt, encode, sample_scene

DEV_SEED = 777001


def dev_set(n_one=300, n_two=150):
    rng = random.Random(DEV_SEED)
    rows, counts = [], {1: 0, 2: 0}
    while len(rows) < n_one + n_two:
        sc = sample_scene(rng, p_two=0.5)
        k = len(sc.objects)
        if counts[k] >= (n_one if k == 1 else n_two):
            continue
        counts[k] += 1
        rows.append({"prompt": canonical_prompt(sc), "seed": 500000 + len(rows), **sc.to_json()})
    return rows


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
    k = np.array([len(r["objects"]) for r in rows])
    return {"spearman_count": spearman(scores, n_right), "spearman_fraction": spearman(scores, frac),
            "spearman_one_object": spearman(scores[k == 1], n_right[k == 1]),
            "spearman_two_objects": spearman(scores[k == 2], n_right[k == 2])}


def main():
    args = base_args("oracle check", ckpt=str(RUNS / "oracle.pt"), steps=2).parse_args()
    setup(args)
    log = Log("oracle_check")
    rows = dev_set()
    imgs = student_images(rows, args.steps)
    per = score_set(judge_outputs(load_judge(), imgs), rows)
    st = load_ckpt(args.ckpt)
    net = Oracle(**st.get("config", {}))
    net.load_state_dict(st["model"]); net.eval()
    ids = torch.tensor([encode(r["prompt"]) for r in rows])
    with torch.no_grad():
        s = torch.cat([net(imgs[i:i + 200], ids[i:i + 200]) for i in range(0, len(rows), 200)]).numpy()
    log(args.ckpt, {k: round(v, 3) for k, v in report(s, per, rows).items()})


if __name__ == "__main__":
    main()
