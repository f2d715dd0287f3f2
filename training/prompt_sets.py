"""The fixed prompt sets shipped in the bundle: eval (held-out canonical prompts with seeds and ground truth)
and calibration (prompts from the training distribution)."""
import random

from .world import canonical_prompt, parse_prompt, prompt_variant, sample_scene

EVAL_SEED = 20261127
CALIB_SEED = 4242
CALIB_NOISE_SEED = 1234


def eval_set(n_one=400, n_two=200):
    """Held-out canonical prompts: scenes drawn from a generator the training data never uses; the per-image
    noise seed is 100000 + line index."""
    rng = random.Random(EVAL_SEED)
    rows = []
    while len(rows) < n_one + n_two:
        sc = sample_scene(rng, p_two=0.5)
        k = len(sc.objects)
        if (k == 1 and sum(len(r["objects"]) == 1 for r in rows) >= n_one) or \
           (k == 2 and sum(len(r["objects"]) == 2 for r in rows) >= n_two):
            continue
        p = canonical_prompt(sc)
        gt = sc.to_json()
        assert parse_prompt(p) == gt, (p, gt)
        rows.append({"prompt": p, "seed": 100000 + len(rows), **gt})
    return rows


def calibration_set(n=512):
    rng = random.Random(CALIB_SEED)
    return [prompt_variant(sample_scene(rng), rng)[0] for _ in range(n)]
