"""After export: calibrate tau(k) (student samples of calibration/prompts.txt through onnxruntime, scored by the
oracle; thresholds[k] = numpy linear-interpolated k-th percentile), evaluate teacher vs student with the judge,
write them into models/understudy.json and models/eval/metrics.json."""
import json
import os

import numpy as np
import torch

from .common import BUNDLE, RUNS, Log, base_args, setup
from .evaluate import evaluate, load_judge
from .prompt_sets import CALIB_NOISE_SEED
from .sampling_job import generate
from .train_oracle import load_oracle
from .world import encode


def calibrate(oracle, student_steps, log):
    prompts = [p for p in (BUNDLE / "calibration" / "prompts.txt").read_text().splitlines() if p.strip()]
    seeds = [CALIB_NOISE_SEED + i for i in range(len(prompts))]
    g = generate("calibration", prompts, seeds, 0.0, student_steps, False, True)
    with torch.no_grad():
        s = oracle(g["student"], torch.tensor([encode(p) for p in prompts])).numpy()
    th = {str(k): float(np.percentile(s, k)) for k in range(5, 100, 5)}
    out = {"student_steps": student_steps, "seed": CALIB_NOISE_SEED, "n": len(prompts), "thresholds": th,
           "scores_mean": float(s.mean()), "scores_std": float(s.std()), "first_scores": s[:8].tolist()}
    (RUNS / "calibration.json").write_text(json.dumps(out, indent=1))
    log("calibration", json.dumps(th))
    return out


def main():
    args = base_args("calibrate + evaluate", n_one=int(os.environ.get("EVAL_N_ONE", 100)), n_two=int(os.environ.get("EVAL_N_TWO", 50)), skip_eval=0).parse_args()
    setup(args)
    log = Log("finalize")
    man = json.loads((BUNDLE / "understudy.json").read_text())
    steps = man["student"]["steps"]
    oracle, judge = load_oracle(score_kind=man["oracle"].get("score", "count")), load_judge()
    cal = calibrate(oracle, steps, log)
    man["calibration"]["thresholds"] = cal["thresholds"]
    man["calibration"]["student_steps"] = steps
    (BUNDLE / "understudy.json").write_text(json.dumps(man, indent=1) + "\n")
    if not args.skip_eval:
        res = evaluate(judge, oracle, man["teacher"]["guidance"], steps, args.n_one, args.n_two, log)
        res["bundle_version"] = man["version"]
        (BUNDLE / "eval").mkdir(exist_ok=True)
        (BUNDLE / "eval" / "metrics.json").write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
