"""Judge the autoencoder: per-attribute judge accuracy on clean held-out renders vs their VAE reconstructions."""
import json

import numpy as np
import torch

from .common import RUNS, base_args, render_cache, setup, to_tensor_img
from .evaluate import load_judge, summarise
from .judging import judge_outputs, verdicts
from .train_vae import load_vae


def main():
    args = base_args("check vae", n=1000).parse_args()
    dev = setup(args)
    imgs, _, scenes, _ = render_cache("judgeval", 2000, 2)
    X = to_tensor_img(imgs[: args.n])
    rows = [s.to_json() for s in scenes[: args.n]]
    enc, dec, _ = load_vae(dev)
    with torch.no_grad():
        R = torch.cat([((dec(enc(X[i:i + 200] * 2 - 1)[:, :4]) + 1) / 2).clamp(0, 1) for i in range(0, len(X), 200)])
    judge = load_judge(dev)
    res = {}
    for name, T in (("clean", X), ("recon", R)):
        o = judge_outputs(judge, T)
        res.update(summarise([verdicts(o, i, r) for i, r in enumerate(rows)], rows, name))
    res["recon_mse"] = float(((R - X) ** 2).mean())
    print(json.dumps(res, indent=1))
    (RUNS / "vae_check.json").write_text(json.dumps(res, indent=1))
    from PIL import Image
    grid = torch.cat([torch.cat(list(X[:16]), 2), torch.cat(list(R[:16]), 2)], 1)
    Image.fromarray((grid.permute(1, 2, 0).numpy() * 255).astype(np.uint8)).resize((2048, 256), Image.NEAREST).save(RUNS / "vae_sheet.png")


if __name__ == "__main__":
    main()
