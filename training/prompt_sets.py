"""The fixed prompt sets shipped in the bundle: eval (held-out canonical prompts with seeds and ground truth)
and calibration (prompts from the training distribution)."""
import random

from .world import canonical_prompt, parse_prompt, prompt_variant, sample_scene

EVAL_SEED = 20261127
CALIB_SEED = 4242
CALIB_NOISE_SEED = 1234


def canonical_set(scene_seed: int, noise_seed_base: int, n_one: int, n_two: int):
    """Canonical prompts with their ground truth: scenes from their own generator (seeded `scene_seed`, which the
    training data never uses), n_one with one object and n_two with two; the per-image noise seed is
    noise_seed_base + line index."""
    rng = random.Random(scene_seed)
    rows, counts = [], {1: 0, 2: 0}
    while len(rows) < n_one + n_two:
        sc = sample_scene(rng, p_two=0.5)
        k = len(sc.objects)
        if counts[k] >= (n_one if k == 1 else n_two):
            continue
        counts[k] += 1
        p = canonical_prompt(sc)
        gt = sc.to_json()
        assert parse_prompt(p) == gt, (p, gt)
        rows.append({"prompt": p, "seed": noise_seed_base + len(rows), **gt})
    return rows


def eval_set(n_one=400, n_two=200):
    """The held-out eval prompts (noise seeds 100000 + line index)."""
    return canonical_set(EVAL_SEED, 100000, n_one, n_two)


def calibration_set(n=512):
    rng = random.Random(CALIB_SEED)
    return [prompt_variant(sample_scene(rng), rng)[0] for _ in range(n)]
