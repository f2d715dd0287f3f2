"""Train the oracle (the ImageReward role) WITHOUT the judge: (prompt, image) pairs where the image is rendered
from the prompt's scene with m attributes perturbed (colour / shape / size / position / background / object count),
plus image degradations (blur, down-up sampling, noise, shape erosion). The soft target is the fraction of the
prompt's constraints the image satisfies, minus a penalty for degradation; loss = BCE on the logit `score`."""
import copy
import random

import numpy as np
import torch
import torch.nn.functional as F

from .augment import blur, down_up, judge_augment
from .common import DATA, RUNS, Log, base_args, load_ckpt, restore_optimizer, save_ckpt, setup, to_tensor_img
from .models import Oracle
from .world import (BACKGROUNDS, COLOUR_NAMES, POSITIONS, SHAPES, Obj, Scene, cells_adjacent, encode,
                    prompt_variant, render, sample_scene)


def perturb(scene: Scene, spec: dict, rng: random.Random, m: int):
    """Change m distinct constrained attributes of a copy of the scene; returns (scene', n_changed, n_total)."""
    sc = copy.deepcopy(scene)
    n_obj = len(sc.objects)
    cands = []
    for i in range(n_obj):
        cands += [("colour", i), ("shape", i)]
        if spec["size"] and n_obj == 1:
            cands.append(("size", i))
        if spec["position"]:
            cands.append(("position", i))
    if spec["background"]:
        cands.append(("background", None))
    cands.append(("count", None))
    total = len(cands)
    rng.shuffle(cands)
    done = 0
    chosen = sorted(cands[:m], key=lambda c: c[0] == "count")  # count changes last (it may remove an object)
    for kind, i in chosen:
        if i is not None and i >= len(sc.objects):
            continue
        used = {o.colour for o in sc.objects}
        if kind == "colour":
            opts = [c for c in COLOUR_NAMES if c not in used and c != sc.background]
            sc.objects[i].colour = rng.choice(opts)
        elif kind == "shape":
            sc.objects[i].shape = rng.choice([s for s in SHAPES if s != sc.objects[i].shape])
        elif kind == "size":
            sc.objects[i].size = "large" if sc.objects[i].size == "small" else "small"
        elif kind == "position":
            others = [o.position for j, o in enumerate(sc.objects) if j != i]
            opts = [p for p in POSITIONS if p != sc.objects[i].position and all(not cells_adjacent(p, q) for q in others)]
            if not opts:
                continue
            sc.objects[i].position = rng.choice(opts)
        elif kind == "background":
            sc.background = rng.choice([b for b in BACKGROUNDS if b not in used and b != sc.background])
        elif kind == "count":
            if n_obj == 2:
                sc.objects.pop(rng.randrange(2))
            else:
                o = sc.objects[0]
                opts = [p for p in POSITIONS if not cells_adjacent(p, o.position)]
                cols = [c for c in COLOUR_NAMES if c != o.colour and c != sc.background]
                if o.size == "large" or not opts:
                    sc.objects = []  # large objects can't have a neighbour: show an empty scene instead
                else:
                    sc.objects.append(Obj(rng.choice(cols), rng.choice(SHAPES), "small", rng.choice(opts),
                                          rng.uniform(-2, 2), rng.uniform(-2, 2)))
        done += 1
    return sc, done, total


def make_pairs(n, seed):
    f = DATA / f"oracle_{n}_{seed}.pt"
    if f.exists():
        return torch.load(f)
    rng = random.Random(seed)
    imgs = np.zeros((n, 64, 64, 3), np.uint8)
    ids = np.zeros((n, 32), np.int64)
    y = np.zeros((n,), np.float32)
    for k in range(n):
        sc = sample_scene(rng)
        p, spec = prompt_variant(sc, rng)
        m = rng.choices([0, 1, 2, 3], [0.4, 0.35, 0.15, 0.1])[0]
        sc2, done, total = perturb(sc, spec, rng, m)
        imgs[k] = render(sc2)
        ids[k] = encode(p)
        y[k] = 1 - done / total
    d = {"imgs": torch.from_numpy(imgs), "ids": torch.from_numpy(ids), "y": torch.from_numpy(y)}
    torch.save(d, f)
    return d


def degrade(x, g):
    """Strong degradations with a severity in [0,1] per sample (0 = untouched)."""
    B = x.shape[0]
    kind = torch.randint(0, 5, (B,), generator=g)
    sev = torch.zeros(B)
    out = x.clone()
    for k in range(1, 5):
        m = kind == k
        if not m.any():
            continue
        xs = x[m]
        if k == 1:
            xs = blur(blur(xs, 5), 5)
        elif k == 2:
            xs = down_up(xs, 4)
        elif k == 3:
            xs = (xs + torch.randn(xs.shape, generator=g) * 0.25).clamp(0, 1)
        else:  # blobby: heavy blur then re-sharpen (shapes turn into blobs)
            xs = ((blur(blur(blur(xs, 5), 5), 5) - 0.5) * 1.6 + 0.5).clamp(0, 1)
        out[m] = xs
        sev[m] = 1.0
    return out, sev


def main():
    args = base_args("train oracle", steps=2000, batch=128, lr=2e-3, n=60000).parse_args()
    dev = setup(args)
    log = Log("oracle")
    ck = RUNS / "oracle.pt"
    st = load_ckpt(ck)
    if st and st["step"] >= args.steps:
        log("oracle complete, skipping"); return
    d = make_pairs(args.n, 11)
    X, I, Y = to_tensor_img(d["imgs"].numpy()), d["ids"], d["y"]
    net = Oracle().to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.steps, pct_start=0.1)
    step = 0
    if st:
        net.load_state_dict(st["model"]); step = st["step"]
        restore_optimizer(st, opt, sched)
    g = torch.Generator().manual_seed(args.seed + 77 + step)
    net.train()
    while step < args.steps:
        idx = torch.randint(0, len(X), (args.batch,), generator=g)
        x, y = X[idx], Y[idx].clone()
        dm = torch.rand(args.batch, generator=g) < 0.25
        xd, sev = degrade(x, g)
        x = torch.where(dm[:, None, None, None], xd, x)
        y = torch.where(dm, (y - 0.35 * sev).clamp(min=0), y)
        x = judge_augment(x, g)
        s = net(x.to(dev), I[idx].to(dev))
        loss = F.binary_cross_entropy_with_logits(s, y.to(dev))
        opt.zero_grad(); loss.backward(); opt.step(); sched.step(); step += 1
        if step % 100 == 0:
            log(f"step {step} loss {loss.item():.4f}")
        if step % 500 == 0 or step == args.steps:
            save_ckpt(ck, model=net.state_dict(), opt=opt.state_dict(), sched=sched.state_dict(), step=step)
    log("oracle done")


def load_oracle(dev="cpu"):
    net = Oracle().to(dev)
    net.load_state_dict(load_ckpt(RUNS / "oracle.pt", dev)["model"])
    return net.eval()


if __name__ == "__main__":
    main()
