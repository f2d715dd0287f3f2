"""Train the evaluation-only judge on renders (with augmentation). Resumable; skips when complete.

Besides the world's renders it sees renders whose objects sit up to --wide-jitter px off their cell centre
(labelled with that cell) and are up to --wide-scale larger or smaller than their size's D, and a
--decoded-share of every image passed through the VAE. Generated images have the decoder's texture and their
objects are rarely exact (the teacher draws large objects ~10% too big); a judge trained only on exact renders
reported such clearly drawn large objects as missing."""
import numpy as np
import torch
import torch.nn.functional as F

from .common import DATA, RUNS, Log, base_args, load_ckpt, restore_optimizer, render_cache, save_ckpt, setup, to_tensor_img
from .augment import decoded_style, judge_augment
from .models import Judge
from .world import scene_targets


def judge_loss(out, pres, col, shp, siz, bg):
    l = F.binary_cross_entropy_with_logits(out["presence"], pres) * 2
    m = pres > 0
    l = l + F.cross_entropy(out["colour"][m], col[m]) + F.cross_entropy(out["shape"][m], shp[m]) \
        + F.cross_entropy(out["size"][m], siz[m]) + F.cross_entropy(out["background"], bg)
    return l


def training_images(args):
    """uint8 images [N,64,64,3] (the world's renders, then wider-jitter ones; a share VAE-decoded) and targets."""
    imgs, _, scenes, _ = render_cache("train", args.n, 1)
    wide, _, wide_scenes, _ = render_cache("judgewide", args.wide_n, 21, jitter=args.wide_jitter, scale=args.wide_scale)
    f = DATA / f"judge_images_{args.n}_{args.wide_n}_{args.wide_jitter:g}_{args.wide_scale:g}_decoded{args.decoded_share}.pt"
    if not f.exists():
        torch.save(decoded_style(torch.from_numpy(np.concatenate([imgs, wide])), args.decoded_share, 22), f)
    T = [torch.from_numpy(a) for a in scene_targets(list(scenes) + list(wide_scenes))]
    return torch.load(f), T


def main():
    args = base_args("train judge", steps=1500, batch=32, lr=1e-3, n=40000, wide_n=20000, wide_jitter=3.0,
                     wide_scale=0.12, decoded_share=0.5).parse_args()
    dev = setup(args)
    log = Log("judge")
    ck = RUNS / "judge.pt"
    st = load_ckpt(ck)
    if st and st["step"] >= args.steps:
        log("judge complete, skipping")
        return
    X, T = training_images(args)
    net = Judge().to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.steps, pct_start=0.1)
    step = 0
    if st:
        net.load_state_dict(st["model"]); step = st["step"]
        restore_optimizer(st, opt, sched)
    g = torch.Generator().manual_seed(args.seed + step)
    net.train()
    while step < args.steps:
        idx = torch.randint(0, len(X), (args.batch,), generator=g)
        x = judge_augment(to_tensor_img(X[idx].numpy()), g).to(dev)
        out = net(x)
        loss = judge_loss(out, *[t[idx].to(dev) for t in T])
        opt.zero_grad(); loss.backward(); opt.step(); sched.step(); step += 1
        if step % 100 == 0:
            m = T[0][idx] > 0
            acc = (out["shape"].argmax(-1).cpu()[m] == T[2][idx][m]).float().mean().item()
            log(f"step {step} loss {loss.item():.4f} shape_acc {acc:.3f}")
        if step % 500 == 0 or step == args.steps:
            save_ckpt(ck, model=net.state_dict(), opt=opt.state_dict(), sched=sched.state_dict(), step=step)
    # held-out accuracy on clean renders
    net.eval()
    imgs, _, scenes, _ = render_cache("judgeval", 2000, 2)
    with torch.no_grad():
        out = net(to_tensor_img(imgs).to(dev))
    pres, col, shp, siz, bg = [torch.from_numpy(a) for a in scene_targets(scenes)]
    m = pres > 0
    o = {k: v.cpu() for k, v in out.items()}
    log("heldout presence", ((o["presence"] > 0).float() == pres).all(1).float().mean().item(),
        "colour", (o["colour"].argmax(-1)[m] == col[m]).float().mean().item(),
        "shape", (o["shape"].argmax(-1)[m] == shp[m]).float().mean().item(),
        "size", (o["size"].argmax(-1)[m] == siz[m]).float().mean().item(),
        "bg", (o["background"].argmax(-1) == bg).float().mean().item())


if __name__ == "__main__":
    main()
