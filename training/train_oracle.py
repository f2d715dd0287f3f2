"""Train the oracle (the ImageReward role) WITHOUT the judge: its two readers (see models.Oracle).
- The image reader learns each grid cell's object (presence, colour, shape, size) and the background from renders
  of training scenes, each with m prompt attributes perturbed so that objects and backgrounds vary independently
  of the prompt, half of them passed through the VAE (the decoder's texture, which every served image has).
- The prompt reader learns, from the same training prompts (canonical, attribute-omitting and paraphrased),
  which objects, attributes, cells and background they ask for.
The score is then their comparison; nothing is fitted to any evaluator's verdicts."""
import copy
import random

import numpy as np
import torch
import torch.nn.functional as F

from .augment import decoded_style, judge_augment
from .common import DATA, RUNS, Log, base_args, load_ckpt, off_world_suffix, restore_optimizer, save_ckpt, setup, to_tensor_img
from .models import Oracle
from .world import (BACKGROUNDS, COLOUR_NAMES, POSITIONS, SHAPES, Obj, Scene, cells_adjacent, encode,
                    prompt_variant, render, sample_scene, SIZES)


def perturb(scene: Scene, spec: dict, rng: random.Random, m: int) -> Scene:
    """A copy of the scene with (up to) m distinct constrained attributes changed."""
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
    rng.shuffle(cands)
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
    return sc


def make_pairs(n, seed, jitter=2.0, scale=0.0):
    """n training prompts, each with two renders of its scene with different numbers of attributes perturbed, so that
    what an image shows varies independently of what its prompt asks. Returns images [n,2,64,64,3] u8, ids, the
    image reader's targets (cells [n,2,9,3]: colour, shape, size per grid cell, -1 empty; bg [n,2]) and the prompt
    reader's (asked [n,2,5], asked_bg [n]). Objects may sit up to `jitter` px off their cell centre and be up to
    `scale` off their size, as generated ones are (see train_judge)."""
    f = DATA / f"oracle_pairs_v4_{n}_{seed}{off_world_suffix(jitter, scale)}.pt"
    if f.exists():
        return torch.load(f)
    rng = random.Random(seed)
    imgs = np.zeros((n, 2, 64, 64, 3), np.uint8)
    ids = np.zeros((n, 32), np.int64)
    cells = np.full((n, 2, 9, 3), -1, np.int64)  # what each render shows per grid cell: colour, shape, size (-1 empty)
    bg = np.zeros((n, 2), np.int64)
    asked = np.full((n, 2, 5), -1, np.int64)  # per slot: asked (0/1), colour, shape, size (2 = any), cell (9 = any)
    asked_bg = np.zeros((n,), np.int64)        # 9 = any
    for k in range(n):
        sc = sample_scene(rng, jitter=jitter, scale=scale)
        p, spec = prompt_variant(sc, rng)
        asked[k, :, 0] = 0
        for j, o in enumerate(sc.objects):
            asked[k, j] = (1, COLOUR_NAMES.index(o.colour), SHAPES.index(o.shape),
                           SIZES.index(o.size) if spec["size"] else 2, POSITIONS.index(o.position) if spec["position"] else 9)
        asked_bg[k] = BACKGROUNDS.index(sc.background) if spec["background"] else 9
        ms = rng.sample([0, 0, 1, 1, 2, 3], 2)
        for j, m in enumerate(ms):
            sc2 = perturb(sc, spec, rng, m)
            imgs[k, j] = render(sc2)
            for o in sc2.objects:
                cells[k, j, POSITIONS.index(o.position)] = (COLOUR_NAMES.index(o.colour), SHAPES.index(o.shape),
                                                            SIZES.index(o.size))
            bg[k, j] = BACKGROUNDS.index(sc2.background)
        ids[k] = encode(p)
    d = {"imgs": torch.from_numpy(imgs), "ids": torch.from_numpy(ids), "cells": torch.from_numpy(cells), "bg": torch.from_numpy(bg),
         "asked": torch.from_numpy(asked), "asked_bg": torch.from_numpy(asked_bg)}
    torch.save(d, f)
    return d


def image_loss(net, x, cells, bg):
    """What each cell shows (presence; colour, shape, size where an object is) and the background."""
    logits, bg_logits = net.read_image(x)
    present = cells[..., 0] >= 0
    loss = F.binary_cross_entropy_with_logits(logits[..., 0], present.float()) + F.cross_entropy(bg_logits, bg)
    for i, (lo, hi) in enumerate(((1, 9), (9, 15), (15, 17))):
        loss = loss + F.cross_entropy(logits[..., lo:hi][present], cells[..., i][present])
    return loss


def prompt_loss(net, ids, asked, asked_bg):
    """Which objects the prompt asks for, with which colour, shape, size (or any) and cell (or any); background."""
    logits, bg_logits = net.read_prompt(ids)
    wanted = asked[..., 0] == 1
    loss = F.binary_cross_entropy_with_logits(logits[..., 0], wanted.float()) + F.cross_entropy(bg_logits, asked_bg)
    for i, (lo, hi) in enumerate(((1, 9), (9, 15), (15, 18), (18, 28))):
        loss = loss + F.cross_entropy(logits[..., lo:hi][wanted], asked[..., i + 1][wanted])
    return loss


def main():
    args = base_args("train oracle", steps=1500, batch=64, lr=2e-3, n=40000, decoded_share=0.5, jitter=3.0, scale=0.12).parse_args()
    dev = setup(args)
    log = Log("oracle")
    ck = RUNS / "oracle.pt"
    st = load_ckpt(ck)
    if st and st["step"] >= args.steps:
        log("oracle complete, skipping"); return
    d = make_pairs(args.n, 11, args.jitter, args.scale)
    styled = DATA / f"oracle_pairs_v4_{args.n}_11{off_world_suffix(args.jitter, args.scale)}_decoded{args.decoded_share}.pt"
    if not styled.exists():
        torch.save(decoded_style(d["imgs"], args.decoded_share, 12), styled)
    U8, I, CELLS, BG, ASKED, ASKED_BG = torch.load(styled), d["ids"], d["cells"], d["bg"], d["asked"], d["asked_bg"]
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
        idx = torch.randint(0, len(U8), (args.batch,), generator=g)
        x = judge_augment(to_tensor_img(U8[idx].reshape(-1, 64, 64, 3).numpy()), g)
        li = image_loss(net, x.to(dev), CELLS[idx].reshape(-1, 9, 3).to(dev), BG[idx].flatten().to(dev))
        lp = prompt_loss(net, I[idx].to(dev), ASKED[idx].to(dev), ASKED_BG[idx].to(dev))
        loss = li + lp
        opt.zero_grad(); loss.backward(); opt.step(); sched.step(); step += 1
        if step % 50 == 0:
            log(f"step {step} loss {loss.item():.4f} image {li.item():.4f} prompt {lp.item():.4f}")
        if step % 250 == 0 or step == args.steps:
            save_ckpt(ck, model=net.state_dict(), opt=opt.state_dict(), sched=sched.state_dict(), step=step)
    log("oracle done")


def load_oracle(dev="cpu", score_kind="count"):
    """The oracle with the score it serves (Oracle.SCORE_KINDS; the bundle manifest records which)."""
    assert score_kind in Oracle.SCORE_KINDS, score_kind
    net = Oracle().to(dev)
    net.load_state_dict(load_ckpt(RUNS / "oracle.pt", dev)["model"])
    net.score_kind = score_kind
    return net.eval()


if __name__ == "__main__":
    main()
