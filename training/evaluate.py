"""Evaluate teacher vs student with the judge on the held-out canonical eval set (fixed seeds); oracle Spearman.
Writes training/runs/eval.json (and the bundle copy models/eval/metrics.json is written by export)."""
import json
import time

import numpy as np
import torch

from .common import RUNS, base_args, load_ckpt, setup
from .diffusion import ddim_sample, lcm_sample, seeded_latents
from .judging import feature_stats, frechet, judge_outputs, spearman, spearman_by_prompt_shape, verdicts
from .models import Judge
from .prompt_sets import eval_set
from .world import encode


def load_judge(dev="cpu"):
    j = Judge().to(dev)
    j.load_state_dict(load_ckpt(RUNS / "judge.pt", dev)["model"])
    return j.eval()


def decode(dec, z, sf, bs=128):
    with torch.no_grad():
        return torch.cat([((dec(z[i:i + bs] / sf) + 1) / 2).clamp(0, 1) for i in range(0, len(z), bs)])


def embed(te, prompts, dev):
    with torch.no_grad():
        return te(torch.tensor([encode(p) for p in prompts]).to(dev))


def gen_teacher(te, unet, dec, sf, prompts, seeds, w, steps=50, bs=100, dev="cpu"):
    out = []
    uncond = embed(te, [""], dev)
    for i in range(0, len(prompts), bs):
        lat, _ = seeded_latents(seeds[i:i + bs])
        z = ddim_sample(unet, embed(te, prompts[i:i + bs], dev), uncond, lat.to(dev), w, steps)
        out.append(decode(dec, z, sf))
    return torch.cat(out)


def gen_student(te, student, dec, sf, prompts, seeds, steps, bs=200, dev="cpu"):
    out = []
    for i in range(0, len(prompts), bs):
        lat, gens = seeded_latents(seeds[i:i + bs])
        z = lcm_sample(student, embed(te, prompts[i:i + bs], dev), lat.to(dev), steps, gens)
        out.append(decode(dec, z, sf))
    return torch.cat(out)


def score_set(o, rows):
    per = [verdicts(o, i, r) for i, r in enumerate(rows)]
    return per


def summarise(per, rows, prefix):
    res = {}
    for k in (1, 2):
        sel = [v for v, r in zip(per, rows) if len(r["objects"]) == k]
        if not sel:
            continue
        d = {}
        for attr in ("colour", "shape", "size", "position"):
            vals = [x for v in sel for name, x in v.items() if name.endswith("." + attr)]
            d[attr] = float(np.mean(vals))
        d["background"] = float(np.mean([v["background"] for v in sel]))
        d["count"] = float(np.mean([v["count"] for v in sel]))
        d["all_right"] = float(np.mean([all(v.values()) for v in sel]))
        d["n"] = len(sel)
        res[f"{prefix}_{k}obj"] = d
    return res


def oracle_constraints(oracle, images, ids, batch=200):
    """Oracle.constraints over a set in batches, as numpy: (expected constraints met, expected constraints asked)."""
    with torch.no_grad():
        parts = [oracle.constraints(images[i:i + batch], ids[i:i + batch]) for i in range(0, len(images), batch)]
    return tuple(torch.cat(column).numpy() for column in zip(*parts))


def evaluate(judge, oracle, guidance, student_steps, n_one=400, n_two=200, log=print):
    from .export import reference_stats
    from .sampling_job import generate
    rows = eval_set(n_one, n_two)
    prompts, seeds = [r["prompt"] for r in rows], [r["seed"] for r in rows]
    g = generate("eval", prompts, seeds, guidance, student_steps, True, True)
    ti, si = g["teacher"], g["student"]
    ot, os_ = judge_outputs(judge, ti), judge_outputs(judge, si)
    pt, ps = score_set(ot, rows), score_set(os_, rows)
    res = {"guidance": guidance, "student_steps": student_steps, "n_prompts": len(rows), "ort_generate_seconds": g["seconds"]}
    res.update(summarise(pt, rows, "teacher"))
    res.update(summarise(ps, rows, "student"))
    ref = reference_stats(judge)
    mu, cov = np.array(ref["mean"]), np.array(ref["cov"])
    res["fd_judge_teacher"] = frechet(*feature_stats(ot["features"]), mu, cov)
    res["fd_judge_student"] = frechet(*feature_stats(os_["features"]), mu, cov)
    # per-image fidelity = -||features - reference mean||
    ft = -np.linalg.norm(ot["features"] - mu, axis=1)
    fs = -np.linalg.norm(os_["features"] - mu, axis=1)
    nt = np.array([sum(v.values()) for v in pt]); ns = np.array([sum(v.values()) for v in ps])
    better = (ns > nt) | ((ns == nt) & (fs > ft))
    res["student_beats_teacher"] = float(better.mean())
    res["student_more_attributes"] = float((ns > nt).mean())
    res["teacher_more_attributes"] = float((nt > ns).mean())
    res["equal_attributes"] = float((nt == ns).mean())
    with torch.no_grad():
        ids = torch.tensor([encode(p) for p in prompts])
        met, asked_for = oracle_constraints(oracle, si, ids)
        sc = oracle.reduce(oracle.score_kind, met, asked_for)
        sct = torch.cat([oracle(ti[i:i + 200], ids[i:i + 200]) for i in range(0, len(ti), 200)]).numpy()
    res["oracle_spearman_student"] = spearman(sc, ns)
    res["oracle_spearman_teacher"] = spearman(sct, nt)
    res["oracle_spearman_student_fraction_right"] = spearman(sc, ns / np.array([len(v) for v in ps]))
    res["oracle_spearman_all"] = spearman(np.concatenate([sc, sct]), np.concatenate([ns, nt]))
    for name, rho in spearman_by_prompt_shape(sc, ns, rows).items():
        res[f"oracle_spearman_student_{name}"] = rho
    # The oracle's expected count of constraints met ranks against the judge's count of attributes right whatever
    # score it serves; a `deficit` score ranks against the number of attributes wrong.
    res["oracle_score"] = oracle.score_kind
    res["oracle_spearman_student_count"] = spearman(met, ns)
    res["oracle_spearman_student_vs_wrong"] = spearman(sc, ns - np.array([len(v) for v in ps]))
    log(json.dumps(res, indent=1))
    (RUNS / "eval.json").write_text(json.dumps(res, indent=1))
    from PIL import Image
    k = 16
    grid = torch.cat([torch.cat(list(ti[:k]), 2), torch.cat(list(si[:k]), 2)], 1)
    Image.fromarray((grid.permute(1, 2, 0).numpy() * 255).astype(np.uint8)).resize((k * 128, 256), Image.NEAREST).save(RUNS / "eval_sheet.png")
    return res
