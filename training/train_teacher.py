"""Train the text encoder + teacher UNet jointly on cached VAE latents (v-prediction, cosine schedule,
10% condition dropout to the empty prompt for classifier-free guidance). EMA weights are what get exported.
Resumable: re-run with a larger --steps to keep training."""
import copy
import random
from pathlib import Path

import torch
import torch.nn.functional as F

from .common import DATA, RUNS, Log, base_args, load_ckpt, restore_optimizer, anneal_lr, render_cache, save_ckpt, setup, warmup_lr
from .diffusion import T, q_sample, v_target
from .models import build_teacher, warm_start
from .world import encode, prompt_variant


def load_teacher(dev="cpu", ema=True, name="teacher"):
    st = load_ckpt(RUNS / f"{name}.pt", dev)
    te, unet = build_teacher(st.get("arch", "v1"))
    te, unet = te.to(dev), unet.to(dev)
    te.load_state_dict(st["ema_te" if ema else "te"]); unet.load_state_dict(st["ema_unet" if ema else "unet"])
    te.eval(); unet.eval()
    return te, unet, st["step"]


def ema_update(ema, net, decay):
    with torch.no_grad():
        for pe, p in zip(ema.parameters(), net.parameters()):
            pe.mul_(decay).add_(p.detach(), alpha=1 - decay)


def main():
    args = base_args("train teacher", steps=4000, batch=64, lr=5e-4, drop=0.1, n=40000, max_minutes=0.0, anneal_from=0,
                     arch="v1", name="teacher", init_from="", two_object_share=0.0).parse_args()
    dev = setup(args)
    log = Log(args.name)
    ck = RUNS / f"{args.name}.pt"
    st = load_ckpt(ck)
    if st and st["step"] >= args.steps:
        log("teacher complete, skipping"); return
    d = torch.load(DATA / "latents.pt")
    Z = d["latents"]
    _, _, scenes, _ = render_cache("train", args.n, 1)
    arch = st.get("arch", "v1") if st else args.arch
    te, unet = build_teacher(arch)
    te, unet = te.to(dev), unet.to(dev)
    if not st and args.init_from:  # a new architecture starts from a trained smaller one
        old = load_ckpt(Path(args.init_from))
        log("warm start from", args.init_from, "step", old["step"], "new parameters:",
            warm_start(te, old["ema_te"]) + warm_start(unet, old["ema_unet"]))
    log("arch", arch, "params te", sum(p.numel() for p in te.parameters()), "unet", sum(p.numel() for p in unet.parameters()))
    ema_te, ema_unet = copy.deepcopy(te), copy.deepcopy(unet)
    params = list(te.parameters()) + list(unet.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    step = warm_from = 0
    if st:
        # A checkpoint compacted to its EMA weights (compact_checkpoints) continues from them.
        te.load_state_dict(st.get("te", st["ema_te"])); ema_te.load_state_dict(st["ema_te"])
        missing = unet.load_state_dict(st.get("unet", st["ema_unet"]), strict=False).missing_keys
        ema_unet.load_state_dict(st["ema_unet"], strict=False)
        step = st["step"]
        if missing:  # checkpoint from before the position embeddings were added: fresh optimizer state
            log("resuming without optimizer state; new parameters:", missing)
        if missing or not restore_optimizer(st, opt):
            warm_from = step
    g = torch.Generator().manual_seed(args.seed + step)
    # Two-object scenes are where binding is learned: optionally drawn more often than their share of the data.
    two = torch.tensor([len(sc.objects) == 2 for sc in scenes], dtype=torch.float32)
    share = args.two_object_share
    weights = two * share / two.sum() + (1 - two) * (1 - share) / (1 - two).sum() if share > 0 else None
    rng = random.Random(args.seed * 7919 + step)
    empty = torch.tensor(encode(""))
    te.train(); unet.train()
    run = 0.0
    import time
    t_start = time.time()
    while step < args.steps:
        if args.max_minutes and time.time() - t_start > 60 * args.max_minutes:
            log(f"time budget reached at step {step}")
            break
        lr = anneal_lr(warmup_lr(args.lr, step, warm_from), step, args.anneal_from, args.steps)
        for pg in opt.param_groups:
            pg["lr"] = lr
        idx = torch.randint(0, len(Z), (args.batch,), generator=g) if weights is None else torch.multinomial(weights, args.batch, replacement=True, generator=g)
        ids = torch.stack([torch.tensor(encode(prompt_variant(scenes[i], rng)[0])) if rng.random() >= args.drop else empty
                           for i in idx.tolist()]).to(dev)
        x0 = Z[idx].to(dev)
        noise = torch.randn(x0.shape, generator=g).to(dev)
        t = torch.randint(0, T, (args.batch,), generator=g)
        xt = q_sample(x0, t, noise)
        pred = unet(xt, t.to(dev), te(ids))
        loss = F.mse_loss(pred, v_target(x0, t, noise))
        opt.zero_grad(); loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step(); step += 1
        decay = min(0.999, (1 + step) / (10 + step))
        ema_update(ema_te, te, decay); ema_update(ema_unet, unet, decay)
        run = 0.98 * run + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 50 == 0:
            log(f"step {step} loss {run:.4f}")
        if step % 250 == 0 or step == args.steps or (args.max_minutes and time.time() - t_start > 60 * args.max_minutes):
            save_ckpt(ck, te=te.state_dict(), unet=unet.state_dict(), ema_te=ema_te.state_dict(),
                      ema_unet=ema_unet.state_dict(), opt=opt.state_dict(), step=step, arch=arch)
    log("teacher done", step)


if __name__ == "__main__":
    main()
