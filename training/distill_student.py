"""Latent consistency distillation of the teacher into a few-step student with guidance built in.

Student f(x_t, t) = c_skip(t) x_t + c_out(t) x0_pred(F(x_t, t)): exactly diffusers LCMScheduler's denoiser
(timestep_scaling 10, sigma_data 0.5, v_prediction), so the student runs with LCMScheduler unchanged.
Target: EMA(0.95) student applied to the teacher's guided DDIM step x_{t-20} (skip k=20 of the 50-step
schedule), as in LCM. The guidance scale is fixed (no timestep_cond input): the student needs one UNet call per
step. Resumable: re-run with a larger --steps.
"""
import copy
import random

import torch

from .common import DATA, RUNS, Log, base_args, load_ckpt, restore_optimizer, render_cache, save_ckpt, setup
from .diffusion import T, cfg_v, consistency_fn, ddim_step, q_sample
from .models import build_teacher
from .train_teacher import ema_update, load_teacher
from .world import encode, prompt_variant

SKIP = T // 50  # 20


def load_student(dev="cpu"):
    st = load_ckpt(RUNS / "student.pt", dev)
    s = build_teacher(st.get("arch", "v1"))[1].to(dev)
    s.load_state_dict(st["ema"])
    s.eval()
    return s, st["guidance"], st["step"]


def main():
    args = base_args("distill student", steps=1500, batch=32, lr=1e-4, guidance=4.0, n=40000, max_minutes=0.0, huber_c=0.03).parse_args()
    dev = setup(args)
    log = Log("student")
    ck = RUNS / "student.pt"
    st = load_ckpt(ck)
    if st and st["step"] >= args.steps:
        log("student complete, skipping"); return
    te, teacher, tstep = load_teacher(dev)
    arch = teacher.arch  # the student is a copy of the teacher's UNet
    for p in list(te.parameters()) + list(teacher.parameters()):
        p.requires_grad_(False)
    Z = torch.load(DATA / "latents.pt")["latents"]
    _, _, scenes, _ = render_cache("train", args.n, 1)
    student = copy.deepcopy(teacher)
    for p in student.parameters():
        p.requires_grad_(True)
    target, ema = copy.deepcopy(teacher), copy.deepcopy(teacher)
    student.train()
    opt = torch.optim.AdamW(student.parameters(), lr=args.lr, weight_decay=0.0)
    step = 0
    if st:
        # A committed (compacted) checkpoint keeps only the EMA weights: continue from them.
        student.load_state_dict(st.get("student", st["ema"])); target.load_state_dict(st.get("target", st["ema"]))
        ema.load_state_dict(st["ema"])
        restore_optimizer(st, opt)
        step = st["step"]
    g = torch.Generator().manual_seed(args.seed + 1000 + step)
    rng = random.Random(args.seed * 31 + step)
    with torch.no_grad():
        uncond = te(torch.tensor([encode("")]).to(dev))
    run = 0.0
    import time
    t_start = time.time()
    while step < args.steps:
        if args.max_minutes and time.time() - t_start > 60 * args.max_minutes:
            log(f"time budget reached at step {step}")
            break
        idx = torch.randint(0, len(Z), (args.batch,), generator=g)
        ids = torch.stack([torch.tensor(encode(prompt_variant(scenes[i], rng)[0])) for i in idx.tolist()]).to(dev)
        x0 = Z[idx].to(dev)
        n = torch.randint(1, 51, (args.batch,), generator=g)
        t = n * SKIP - 1                       # 19, 39, ..., 999
        tp = t - SKIP                          # -1 ... 979
        noise = torch.randn(x0.shape, generator=g).to(dev)
        xt = q_sample(x0, t, noise)
        with torch.no_grad():
            cond = te(ids)
            v = cfg_v(teacher, xt, t.to(dev), cond, uncond, args.guidance)
            xp = ddim_step(v, t, xt, tp)
            tpc = tp.clamp(min=0)
            tgt = consistency_fn(target(xp, tpc.to(dev), cond), xp, tpc)
        pred = consistency_fn(student(xt, t.to(dev), cond), xt, t)
        c = args.huber_c
        loss = (torch.sqrt((pred - tgt) ** 2 + c * c) - c).mean()
        opt.zero_grad(); loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
        opt.step(); step += 1
        ema_update(target, student, 0.95)
        ema_update(ema, student, min(0.995, (1 + step) / (10 + step)))
        run = 0.98 * run + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 25 == 0:
            log(f"step {step} loss {run:.5f}")
        if step % 100 == 0 or step == args.steps or (args.max_minutes and time.time() - t_start > 60 * args.max_minutes):
            save_ckpt(ck, student=student.state_dict(), target=target.state_dict(), ema=ema.state_dict(),
                      opt=opt.state_dict(), step=step, guidance=args.guidance, teacher_step=tstep, arch=arch)
    log("student done", step)


if __name__ == "__main__":
    main()
