"""Export the bundle under models/: ONNX files (opset 17, dynamic batch), configs, tokenizer, manifest, prompt
sets, judge reference statistics and verification vectors (inputs + PyTorch outputs) that
training/verify_onnx.mjs checks with onnxruntime-node."""
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from .common import BUNDLE, RUNS, base_args, load_ckpt, render_cache, setup, to_tensor_img
from .diffusion import LCM_SCHEDULER_CONFIG, SCHEDULER_CONFIG, lcm_timesteps
from .models import TEACHER_ARCHS
from .world import MAX_LEN, VOCAB, encode, tokenizer_config, tokenizer_json

OPSET = 17
VERIFY = RUNS / "verify"


def wjson(path: Path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1) + "\n")


def judge_fingerprint(judge) -> str:
    import hashlib
    h = hashlib.sha256()
    for p in judge.state_dict().values():
        h.update(p.detach().cpu().numpy().tobytes())
    return h.hexdigest()[:16]


def reference_stats(judge):
    """Mean/covariance of judge features on 5000 clean renders (cached in runs/ for this judge's weights only: a
    cache from another judge would compare two judges' features)."""
    f = RUNS / "judge_ref_stats.json"
    fingerprint = judge_fingerprint(judge)
    if f.exists():
        cached = json.loads(f.read_text())
        if cached.get("judge") == fingerprint:
            return cached
    from .judging import feature_stats, judge_outputs
    imgs, _, _, _ = render_cache("ref", 5000, 3)
    o = judge_outputs(judge, to_tensor_img(imgs))
    mu, cov = feature_stats(o["features"])
    d = {"feature_dim": int(mu.shape[0]), "count": 5000, "judge": fingerprint, "mean": mu.tolist(), "cov": cov.tolist()}
    f.write_text(json.dumps(d))
    return d


class _Named(torch.nn.Module):
    """Wrap a module so its outputs come out as a tuple in a fixed order."""

    def __init__(self, m, keys=None):
        super().__init__()
        self.m, self.keys = m, keys

    def forward(self, *a):
        o = self.m(*a)
        return tuple(o[k] for k in self.keys) if self.keys else o


def export_onnx(name, module, inputs: dict, outputs: list, dyn: dict, keys=None):
    path = BUNDLE / name / "model.onnx" if not name.endswith(".onnx") else BUNDLE / name
    path.parent.mkdir(parents=True, exist_ok=True)
    m = _Named(module, keys).eval()
    args = tuple(inputs.values())
    with torch.no_grad():
        torch.onnx.export(m, args, str(path), input_names=list(inputs), output_names=outputs, dynamic_axes=dyn,
                          opset_version=OPSET, do_constant_folding=True)
        ref = m(*args)
    ref = ref if isinstance(ref, tuple) else (ref,)
    VERIFY.mkdir(parents=True, exist_ok=True)
    rel = str(path.relative_to(BUNDLE))
    wjson(VERIFY / (rel.replace("/", "__") + ".json"), {
        "model": rel,
        "inputs": {k: {"dtype": "int64" if v.dtype == torch.long else "float32", "dims": list(v.shape),
                       "data": v.flatten().tolist()} for k, v in inputs.items()},
        "outputs": {k: {"dims": list(r.shape), "data": r.flatten().tolist()} for k, r in zip(outputs, ref)},
    })
    import onnx
    onnx.checker.check_model(str(path))
    print(f"exported {rel} ({path.stat().st_size / 1e6:.2f} MB)", flush=True)


def main():
    args = base_args("export bundle", version="", k=50.0, student_steps=2, oracle_score="count", teacher_guidance=0.0).parse_args()
    setup(args)
    from .distill_student import load_student
    from .evaluate import load_judge
    from .train_oracle import load_oracle
    from .train_teacher import load_teacher
    from .train_vae import load_vae
    te, unet, tstep = load_teacher()
    student, guidance, sstep = load_student()
    enc, dec, sf = load_vae()
    oracle, judge = load_oracle(score_kind=args.oracle_score), load_judge()
    student_steps = args.student_steps
    cf = RUNS / "calibration.json"
    calib = json.loads(cf.read_text()) if cf.exists() else {}
    if calib.get("student_steps") != student_steps:  # placeholder until training.finalize fills it in
        calib = {"thresholds": {str(k): 0.0 for k in range(5, 100, 5)}}
    g = torch.Generator().manual_seed(0)
    B = 2
    ids = torch.tensor([encode("a large red circle at the center on a blue background"), encode("")])
    ehs = te(ids).detach()
    lat = torch.randn(B, 4, 16, 16, generator=g)
    img = torch.rand(B, 3, 64, 64, generator=g)
    ts = torch.tensor([999, 499])
    bd = {0: "batch"}

    # ---- tokenizer
    wjson(BUNDLE / "tokenizer" / "tokenizer.json", tokenizer_json())
    wjson(BUNDLE / "tokenizer" / "tokenizer_config.json", tokenizer_config())
    wjson(BUNDLE / "tokenizer" / "special_tokens_map.json", {"pad_token": "[PAD]", "unk_token": "[UNK]",
                                                            "bos_token": "[BOS]", "eos_token": "[EOS]"})
    tok_tests = ["a large red circle at the center on a blue background", "",
                 "A Small  yellow star, at the top-left; purple background!", "an orange background with a tiny ring"]
    wjson(VERIFY / "tokenizer.json", {"cases": [{"text": t, "ids": encode(t)} for t in tok_tests]})

    # ---- text encoder
    export_onnx("text_encoder", te, {"input_ids": ids}, ["last_hidden_state"],
                {"input_ids": {0: "batch", 1: "sequence"}, "last_hidden_state": {0: "batch", 1: "sequence"}})
    wjson(BUNDLE / "text_encoder" / "config.json", {
        "model_type": "understudy_text_transformer", "vocab_size": len(VOCAB), "hidden_size": te.d,
        "num_hidden_layers": len(te.layers), "num_attention_heads": 4, "max_position_embeddings": MAX_LEN,
        "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 3, "attention": "bidirectional, no padding mask"})

    # ---- VAE
    export_onnx("vae_encoder", enc, {"sample": img * 2 - 1}, ["latent_parameters"],
                {"sample": bd, "latent_parameters": bd})
    export_onnx("vae_decoder", dec, {"latent_sample": lat}, ["sample"], {"latent_sample": bd, "sample": bd})
    vae_cfg = {"_class_name": "AutoencoderKL", "_diffusers_version": "0.27.0", "in_channels": 3, "out_channels": 3,
               "latent_channels": 4, "sample_size": 64, "downsample_factor": 4, "scaling_factor": sf,
               "latent_parameters": "mean (channels 0-3) || log-variance (channels 4-7), unscaled"}
    wjson(BUNDLE / "vae_encoder" / "config.json", vae_cfg)
    wjson(BUNDLE / "vae_decoder" / "config.json", vae_cfg)

    # ---- UNets
    unet_in = {"sample": lat, "timestep": ts, "encoder_hidden_states": ehs}
    unet_dyn = {"sample": bd, "timestep": bd, "encoder_hidden_states": {0: "batch", 1: "sequence"}, "out_sample": bd}
    export_onnx("unet", unet, unet_in, ["out_sample"], unet_dyn)
    export_onnx("student_unet", student, unet_in, ["out_sample"], unet_dyn)
    ucfg = {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.27.0", "sample_size": 16,
            "in_channels": 4, "out_channels": 4, "cross_attention_dim": te.d, "block_out_channels": list(unet.ch),
            "prediction_type": "v_prediction", "time_cond_proj_dim": None}
    arch = TEACHER_ARCHS[unet.arch]
    wjson(BUNDLE / "unet" / "config.json", dict(ucfg, train_steps=tstep, architecture=unet.arch,
                                                attention=arch["attention"], text_encoder_layers=arch["te_layers"]))
    wjson(BUNDLE / "student_unet" / "config.json", dict(ucfg, distill_steps=sstep, distilled_guidance_scale=guidance,
                                                        distilled_timesteps={str(n): lcm_timesteps(n) for n in (1, 2, 3, 4)}))
    wjson(BUNDLE / "scheduler" / "scheduler_config.json", SCHEDULER_CONFIG)
    wjson(BUNDLE / "student_scheduler" / "scheduler_config.json", LCM_SCHEDULER_CONFIG)

    # ---- oracle & judge
    export_onnx("oracle", oracle, {"pixel_values": img, "input_ids": ids}, ["score"],
                {"pixel_values": bd, "input_ids": {0: "batch", 1: "sequence"}, "score": bd})
    jkeys = ["presence", "colour", "shape", "size", "background", "features"]
    export_onnx("judge", judge, {"pixel_values": img}, jkeys, dict({"pixel_values": bd}, **{k: bd for k in jkeys}),
                keys=jkeys)
    ref = reference_stats(judge)
    wjson(BUNDLE / "judge" / "reference_stats.json", ref)
    from .world import BACKGROUNDS, COLOUR_NAMES, POSITIONS, SHAPES, SIZES
    wjson(BUNDLE / "judge" / "config.json", {
        "cells": POSITIONS, "colours": COLOUR_NAMES, "shapes": SHAPES, "sizes": SIZES, "backgrounds": BACKGROUNDS,
        "presence_threshold_logit": 0.0, "feature_dim": ref["feature_dim"],
        "outputs": {"presence": "[B,9] logits, object centred in cell", "colour": "[B,9,8] logits",
                    "shape": "[B,9,6] logits", "size": "[B,9,2] logits", "background": "[B,9] logits",
                    "features": "[B,128] for the Frechet distance against reference_stats.json"}})

    # ---- prompt sets
    from .prompt_sets import CALIB_NOISE_SEED, calibration_set, eval_set
    (BUNDLE / "calibration").mkdir(exist_ok=True)
    (BUNDLE / "calibration" / "prompts.txt").write_text("\n".join(calibration_set()) + "\n")
    (BUNDLE / "eval").mkdir(exist_ok=True)
    (BUNDLE / "eval" / "prompts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in eval_set()))

    # ---- index + manifest
    wjson(BUNDLE / "model_index.json", {
        "_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": "0.27.0",
        "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
        "scheduler": ["diffusers", "DDIMScheduler"], "text_encoder": ["diffusers", "OnnxRuntimeModel"],
        "tokenizer": ["transformers", "PreTrainedTokenizerFast"], "unet": ["diffusers", "OnnxRuntimeModel"],
        "vae_decoder": ["diffusers", "OnnxRuntimeModel"], "vae_encoder": ["diffusers", "OnnxRuntimeModel"],
        "student_unet": ["diffusers", "OnnxRuntimeModel"], "student_scheduler": ["diffusers", "LCMScheduler"],
        "oracle": ["understudy", "OnnxRuntimeModel"], "judge": ["understudy", "OnnxRuntimeModel"]})
    version = args.version or time.strftime("%Y.%m.%d-%H%M", time.gmtime())
    manifest = {
        "format": "understudy-bundle/1", "id": "shapes-world", "version": version,
        "description": f"Shapes world (issue 3): teacher {tstep} steps, student {sstep} distillation steps",
        "native_size": {"width": 64, "height": 64},
        "teacher": {"unet": "unet", "scheduler": "scheduler", "sampler": "ddim", "steps": 50,
                    # The teacher's own scale (teacher_sweep chooses it on the development set); by default the one
                    # the student was distilled at.
                    "guidance": args.teacher_guidance or guidance},
        "student": {"unet": "student_unet", "scheduler": "student_scheduler", "sampler": "lcm",
                    "steps": student_steps, "guidance": None, "timesteps": lcm_timesteps(student_steps)},
        "oracle": {"model": "oracle/model.onnx", "image_size": 64, "pixel_range": "0_1", "score": args.oracle_score},
        "judge": {"model": "judge/model.onnx", "image_size": 64, "pixel_range": "0_1"},
        "defaults": {"refine_strength": 0.5, "edit_strength": 0.6, "k": args.k},
        "calibration": {"prompts": "calibration/prompts.txt", "seed": CALIB_NOISE_SEED,
                        "student_steps": student_steps, "thresholds": calib["thresholds"]},
    }
    wjson(BUNDLE / "understudy.json", manifest)
    total = sum(f.stat().st_size for f in BUNDLE.rglob("*") if f.is_file())
    print(f"bundle {version}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
