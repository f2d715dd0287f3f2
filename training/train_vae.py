"""Train the KL-regularised f=4 autoencoder (3x64x64 <-> 4x16x16), then cache scaled latents of the training set.

Loss: object-weighted L1 + MSE on [-1,1] pixels + 1e-6 KL (as SD's). Object pixels (those differing from the
background colour) are weighted 5x so small objects are kept. Resumable; skips when complete.
"""
import numpy as np
import torch
import torch.nn.functional as F

from .common import DATA, RUNS, Log, base_args, load_ckpt, render_cache, save_ckpt, setup, to_tensor_img
from .models import VAEDecoder, VAEEncoder
from .world import BACKGROUNDS, BG_RGB


def bg_tensor(scenes):
    return torch.tensor([BG_RGB[s.background] for s in scenes], dtype=torch.float32) / 255.0


def load_vae(dev="cpu"):
    st = load_ckpt(RUNS / "vae.pt", dev)
    enc, dec = VAEEncoder().to(dev), VAEDecoder().to(dev)
    enc.load_state_dict(st["enc"]); dec.load_state_dict(st["dec"])
    enc.eval(); dec.eval()
    return enc, dec, st.get("scaling_factor")


def main():
    args = base_args("train vae", steps=600, batch=32, lr=2e-3, n=40000).parse_args()
    dev = setup(args)
    log = Log("vae")
    ck = RUNS / "vae.pt"
    st = load_ckpt(ck)
    imgs, ids, scenes, prompts = render_cache("train", args.n, 1)
    X = to_tensor_img(imgs)
    BG = bg_tensor(scenes)
    enc, dec = VAEEncoder().to(dev), VAEDecoder().to(dev)
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.steps, pct_start=0.05)
    step = 0
    if st:
        enc.load_state_dict(st["enc"]); dec.load_state_dict(st["dec"]); step = st["step"]
        if step < args.steps and "opt" in st:
            opt.load_state_dict(st["opt"]); sched.load_state_dict(st["sched"])
    g = torch.Generator().manual_seed(args.seed + step)
    enc.train(); dec.train()
    while step < args.steps:
        idx = torch.randint(0, len(X), (args.batch,), generator=g)
        x = X[idx].to(dev)
        w = 1 + 4 * ((x - BG[idx, :, None, None].to(dev)).abs().amax(1, keepdim=True) > 0.02).float()
        x2 = x * 2 - 1
        p = enc(x2)
        mean, logvar = p[:, :4], p[:, 4:].clamp(-30, 20)
        z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=g).to(dev)
        y = dec(z)
        rec = (w * ((y - x2).abs() + (y - x2) ** 2)).mean()
        kl = 0.5 * (mean ** 2 + logvar.exp() - 1 - logvar).sum((1, 2, 3)).mean()
        loss = rec + 1e-6 * kl
        opt.zero_grad(); loss.backward(); opt.step(); sched.step(); step += 1
        if step % 50 == 0:
            log(f"step {step} rec {rec.item():.4f} kl {kl.item():.1f} mean_std {mean.std().item():.3f}")
        if step % 200 == 0 or step == args.steps:
            save_ckpt(ck, enc=enc.state_dict(), dec=dec.state_dict(), opt=opt.state_dict(), sched=sched.state_dict(), step=step)
    st = load_ckpt(ck)
    if "scaling_factor" not in st or not (DATA / "latents.pt").exists():
        enc.eval()
        with torch.no_grad():
            means = torch.cat([enc(X[i:i + 500].to(dev) * 2 - 1)[:, :4].cpu() for i in range(0, len(X), 500)])
        sf = float(1.0 / means.std())
        log(f"latent std {means.std().item():.4f} -> scaling_factor {sf:.5f}")
        torch.save({"latents": means * sf, "ids": torch.from_numpy(ids)}, DATA / "latents.pt")
        st["scaling_factor"] = sf
        st.pop("opt", None); st.pop("sched", None)
        save_ckpt(ck, **st)
    log("vae complete")


if __name__ == "__main__":
    main()
