"""How the judge's outputs are turned into per-attribute verdicts (the TypeScript eval mirrors this; see
models/README.md), the image-fidelity (Fréchet) distance on judge features, and Spearman correlation."""
from __future__ import annotations

import numpy as np
import torch

from .world import BACKGROUNDS, COLOUR_NAMES, POSITIONS, SHAPES, SIZES


def judge_outputs(judge, imgs01: torch.Tensor, bs=256):
    outs = []
    with torch.no_grad():
        for i in range(0, len(imgs01), bs):
            o = judge(imgs01[i:i + bs])
            outs.append({k: v.cpu().numpy() for k, v in o.items()})
    return {k: np.concatenate([o[k] for o in outs]) for k in outs[0]}


def verdicts(o: dict, i: int, expected: dict) -> dict:
    """Per-attribute verdicts for image i. expected = {"objects":[{colour,shape,size,position}], "background"};
    None values are unconstrained and skipped. Returns {name: bool} with names like "obj0.colour", "background",
    "count"."""
    pres = o["presence"][i] > 0.0                     # sigmoid > 0.5
    col, shp, siz = o["colour"][i].argmax(-1), o["shape"][i].argmax(-1), o["size"][i].argmax(-1)
    detected = [c for c in range(9) if pres[c]]
    v = {}
    used = set()
    for j, ob in enumerate(expected["objects"]):
        cell = None
        if ob.get("position") is not None:
            c = POSITIONS.index(ob["position"])
            v[f"obj{j}.position"] = bool(pres[c])
            if pres[c]:
                cell = c
        if cell is None:  # read attributes at the unused detected cell whose colour logit for the expected colour is highest
            cands = [c for c in detected if c not in used]
            if cands:
                ci = COLOUR_NAMES.index(ob["colour"])
                cell = max(cands, key=lambda c: o["colour"][i][c][ci])
        if cell is not None:
            used.add(cell)
        v[f"obj{j}.colour"] = cell is not None and COLOUR_NAMES[col[cell]] == ob["colour"]
        v[f"obj{j}.shape"] = cell is not None and SHAPES[shp[cell]] == ob["shape"]
        if ob.get("size") is not None:
            v[f"obj{j}.size"] = cell is not None and SIZES[siz[cell]] == ob["size"]
    if expected.get("background") is not None:
        v["background"] = BACKGROUNDS[o["background"][i].argmax()] == expected["background"]
    v["count"] = len(detected) == len(expected["objects"])
    return v


def feature_stats(feats: np.ndarray):
    f = feats.astype(np.float64)
    return f.mean(0), np.cov(f, rowvar=False)


def frechet(mu1, s1, mu2, s2):
    w, V = np.linalg.eigh(s1)
    s1h = (V * np.sqrt(np.clip(w, 0, None))) @ V.T
    m = s1h @ s2 @ s1h
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


def _rank(a):
    a = np.asarray(a, np.float64)
    order = a.argsort(kind="mergesort")
    r = np.empty(len(a))
    r[order] = np.arange(len(a))
    # average ties
    vals, inv, cnt = np.unique(a, return_inverse=True, return_counts=True)
    sums = np.zeros(len(vals))
    np.add.at(sums, inv, r)
    return (sums / cnt)[inv]


def spearman(a, b):
    ra, rb = _rank(a), _rank(b)
    ra -= ra.mean(); rb -= rb.mean()
    return float((ra * rb).sum() / np.sqrt((ra ** 2).sum() * (rb ** 2).sum()))


def spearman_by_prompt_shape(scores, n_right, rows) -> dict:
    """Spearman of scores against attributes right within one-object and within two-object prompts (where every
    prompt has as many constraints), keyed "one_object" / "two_objects"."""
    k = np.array([len(r["objects"]) for r in rows])
    return {name: spearman(scores[k == n], n_right[k == n]) for n, name in ((1, "one_object"), (2, "two_objects"))}
