"""Which oracle score routes best: simulates adaptive regeneration (Algorithm 1) on the development prompt set
(neither the eval set nor the calibration set, so the choice does not tune to the eval) with the exported
bundle's student and teacher, the judge deciding what is right, for each of Oracle.SCORE_KINDS.

For a teacher share q, τ is the q-quantile of the scores; images scoring below τ are replaced by the teacher's
image from the same noise. It prints judge accuracy (all attributes right, and attributes) per share and kind,
and the kind with the best mean all-right accuracy over shares 20-50%: pass it to `export --oracle-score`.

  /usr/bin/python3 -m training.routing_check [--teacher-steps 25]"""
import json

import numpy as np
import torch

from .common import BUNDLE, Log, base_args, setup
from .evaluate import load_judge, oracle_constraints, score_set
from .judging import judge_outputs, spearman
from .models import Oracle
from .oracle_check import dev_set
from .sampling_job import generate
from .train_oracle import load_oracle
from .world import encode

SHARES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.7)
CHOOSE_OVER = (0.2, 0.3, 0.4, 0.5)


def routed(scores, student_right, teacher_right, share):
    """Per-prompt outcome when the lowest-scoring `share` of prompts goes to the teacher."""
    to_teacher = scores < np.quantile(scores, share)
    return np.where(to_teacher, teacher_right, student_right)


def main():
    args = base_args("routing check", teacher_steps=25).parse_args()
    setup(args)
    log = Log("routing_check")
    man = json.loads((BUNDLE / "understudy.json").read_text())
    rows = dev_set()
    prompts, seeds = [r["prompt"] for r in rows], [r["seed"] for r in rows]
    gen = generate("routing_dev", prompts, seeds, man["teacher"]["guidance"], man["student"]["steps"], True, True,
                   teacher_steps=args.teacher_steps)
    judge = load_judge()
    per = {who: score_set(judge_outputs(judge, gen[who]), rows) for who in ("student", "teacher")}
    all_right = {who: np.array([all(v.values()) for v in p], float) for who, p in per.items()}
    attrs = {who: np.array([np.mean(list(v.values())) for v in p]) for who, p in per.items()}
    log(f"dev set {len(rows)} prompts: student all right {all_right['student'].mean():.3f}, attributes "
        f"{attrs['student'].mean():.3f}; teacher DDIM {args.teacher_steps} {all_right['teacher'].mean():.3f}, "
        f"{attrs['teacher'].mean():.3f}")
    ids = torch.tensor([encode(p) for p in prompts])
    n_right = np.array([sum(v.values()) for v in per["student"]], float)
    met, asked_for = oracle_constraints(load_oracle(), gen["student"], ids)
    best, best_mean = None, -1.0
    for kind in Oracle.SCORE_KINDS:
        s = Oracle.reduce(kind, met, asked_for)
        acc = {q: routed(s, all_right["student"], all_right["teacher"], q).mean() for q in SHARES}
        att = {q: routed(s, attrs["student"], attrs["teacher"], q).mean() for q in SHARES}
        mean = float(np.mean([acc[q] for q in CHOOSE_OVER]))
        log(f"{kind:8s} spearman(count right) {spearman(s, n_right):.3f}; share: all right / attributes " +
            ", ".join(f"{int(100 * q)}% {acc[q]:.3f}/{att[q]:.3f}" for q in SHARES) + f"; mean 20-50% {mean:.4f}")
        if mean > best_mean:
            best, best_mean = kind, mean
    log(f"best score: {best} (export --oracle-score {best})")


if __name__ == "__main__":
    main()
