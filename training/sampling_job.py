"""Generate teacher/student samples through the exported ONNX bundle with onnxruntime-node (training/generate.mjs),
which on this CPU is ~5x faster than PyTorch and exercises exactly what is served. Noise comes from PyTorch CPU
generators: prompt i uses torch.Generator().manual_seed(seeds[i]); latents [4,16,16] are drawn first, then one
[4,16,16] draw per LCM re-noising step (as a diffusers pipeline with batch 1 and that generator)."""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import torch

from .common import BUNDLE, RUNS
from .diffusion import ALPHAS_CUMPROD, ddim_timesteps, lcm_scalings, lcm_timesteps
from .world import encode

REPO = Path(__file__).resolve().parent.parent


def generate(name, prompts, seeds, guidance, student_steps, do_teacher, do_student, teacher_steps=50):
    d = RUNS / "gen" / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    n = len(prompts)
    np.asarray([encode(p) for p in prompts], np.int64).tofile(d / "ids.bin")
    lat, noise = [], []
    for s in seeds:
        g = torch.Generator().manual_seed(int(s))
        lat.append(torch.randn(4, 16, 16, generator=g))
        noise.append(torch.stack([torch.randn(4, 16, 16, generator=g) for _ in range(student_steps - 1)]) if student_steps > 1 else None)
    torch.stack(lat).numpy().astype(np.float32).tofile(d / "latents.bin")
    if student_steps > 1:
        torch.stack(noise).transpose(0, 1).contiguous().numpy().astype(np.float32).tofile(d / "student_noise.bin")
    sts = lcm_timesteps(student_steps)
    cfg = json.loads((BUNDLE / "vae_decoder" / "config.json").read_text())
    job = {"n": n, "guidance": guidance, "teacher_steps": teacher_steps, "teacher_timesteps": ddim_timesteps(teacher_steps),
           "student_timesteps": sts, "alphas_cumprod": ALPHAS_CUMPROD.tolist(),
           "lcm_c": [[float(x) for x in lcm_scalings(t)] for t in sts], "scaling_factor": cfg["scaling_factor"],
           "do_teacher": do_teacher, "do_student": do_student}
    (d / "job.json").write_text(json.dumps(job))
    t = time.time()
    subprocess.run(["node", "training/generate.mjs", str(d)], cwd=REPO, check=True)
    out = {}
    for k in ("teacher", "student"):
        f = d / f"{k}.bin"
        if f.exists():
            out[k] = torch.from_numpy(np.fromfile(f, np.float32).reshape(n, 3, 64, 64))
    out["seconds"] = time.time() - t
    return out
