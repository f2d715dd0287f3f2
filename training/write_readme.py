"""Write models/README.md from the bundle's manifest and the measured numbers (runs/eval.json,
runs/verify_results.json, runs/vae_check.json, logs)."""
import json
from pathlib import Path

from .common import BUNDLE, RUNS


# What the oracle's `score` output is, by the manifest's `oracle.score` (models.Oracle.forward).
SCORE_MEANING = {
    "count": "the expected number of the prompt's constraints the image satisfies",
    "deficit": "minus the expected number of the prompt's constraints the image leaves unsatisfied, 0 at best",
}


def _j(p):
    p = Path(p)
    return json.loads(p.read_text()) if p.exists() else {}


def pct(x):
    return "n/a" if x is None else f"{100 * x:.1f}%"


def table(ev):
    rows = []
    for k in ("1obj", "2obj"):
        t, s = ev.get(f"teacher_{k}"), ev.get(f"student_{k}")
        if not t:
            continue
        rows.append(f"| {k[0]}-object ({t['n']} prompts) | " + " | ".join(
            f"{pct(t[a])} / {pct(s[a])}" for a in ("colour", "shape", "size", "position", "background", "count", "all_right")) + " |")
    return "\n".join(rows)


def main():
    man = _j(BUNDLE / "understudy.json")
    ev = _j(BUNDLE / "eval" / "metrics.json")
    ver = _j(RUNS / "verify_results.json")
    vae = _j(RUNS / "vae_check.json")
    tcfg = _j(BUNDLE / "unet" / "config.json")
    scfg = _j(BUNDLE / "student_unet" / "config.json")
    vcfg = _j(BUNDLE / "vae_decoder" / "config.json")
    tm = ver.get("timingsMs", {})
    size_mb = sum(f.stat().st_size for f in BUNDLE.rglob("*") if f.is_file()) / 1e6
    vae_txt = ""
    if vae:
        c, r = vae.get("clean_1obj", {}), vae.get("recon_1obj", {})
        c2, r2 = vae.get("clean_2obj", {}), vae.get("recon_2obj", {})
        vae_txt = (f"Judge ceiling and autoencoder check, on 1000 held-out real renders (clean → VAE reconstruction): "
                   f"one-object colour {pct(c.get('colour'))}, shape {pct(c.get('shape'))}, size {pct(c.get('size'))}, position {pct(c.get('position'))}, "
                   f"count {pct(c.get('count'))} on clean renders. One-object all-attributes-right "
                   f"{pct(c.get('all_right'))} → {pct(r.get('all_right'))} (shape {pct(c.get('shape'))} → {pct(r.get('shape'))}); "
                   f"two-object {pct(c2.get('all_right'))} → {pct(r2.get('all_right'))}. Reconstruction MSE (0-1 pixels) "
                   f"{vae.get('recon_mse', float('nan')):.5f}.")
    text = f"""# The shapes-world bundle (`models/`)

This folder is the embedded default model bundle of issue 3: a small text-to-image latent diffusion "world" trained
on CPU by `training/` (see `training/README.md`), exported in the Stable Diffusion ONNX layout plus our manifest.
**Version `{man.get('version')}`** (changes with every re-export; part of every cache key).

> **Status: working end to end, but undertrained.** The teacher got {tcfg.get('train_steps')} steps of batch 32 on a shared
> 2-core CPU (about a third of a core was available), far less than the world needs; backgrounds are right, objects
> mostly are not, and the targets below are not met except speed and the student-beats-teacher share (which here
> reflects two weak models, not the paper's effect). `training/STATUS.md` says how to resume training; the file
> layout, I/O contracts, samplers and calibration are final and will not change when better weights are exported.

## Files
| path | what | inputs → outputs |
| --- | --- | --- |
| `understudy.json` | manifest (`shared/src/bundle.ts` schema) | |
| `model_index.json` | diffusers-style component list (plus `student_unet`, `student_scheduler`, `oracle`, `judge`) | |
| `tokenizer/tokenizer.json`, `tokenizer_config.json` | HF tokenizers WordLevel, lowercase normaliser, `Whitespace` pre-tokenizer (`\\w+|[^\\w\\s]+`), template `[BOS] $A [EOS]`; ids: `[PAD]`=0 `[UNK]`=1 `[BOS]`=2 `[EOS]`=3 | text → ids. **Callers pad with 0 to `model_max_length`=32 and truncate to 32** (CLIP-style `max_length` padding; tokenizers.js does not pad by itself). Empty prompt `""` = `[2,3,0,…]` is the CFG negative. |
| `text_encoder/model.onnx` | 2-layer bidirectional transformer, D=128 (no padding mask: pads are always 32 long) | `input_ids` int64 [B,L] → `last_hidden_state` f32 [B,L,128] |
| `vae_encoder/model.onnx` | KL autoencoder encoder, f=4 | `sample` f32 [B,3,64,64] in [-1,1] → `latent_parameters` [B,8,16,16] = mean ‖ log-variance (unscaled) |
| `vae_decoder/model.onnx` | decoder | `latent_sample` [B,4,16,16] (already divided by `scaling_factor`) → `sample` [B,3,64,64] in ≈[-1,1] (clamp) |
| `vae_*/config.json` | `scaling_factor` = {vcfg.get('scaling_factor')} (latents fed to the UNets = mean × scaling_factor, ≈ unit std), `latent_channels` 4 | |
| `unet/model.onnx` | teacher UNet ({tcfg.get('block_out_channels')} channels, {tcfg.get('attention', 'self- and cross-attention at 8x8')}; text encoder of {tcfg.get('text_encoder_layers', 2)} layers), v-prediction | `sample` f32 [B,4,16,16], `timestep` int64 [B], `encoder_hidden_states` f32 [B,L,128] → `out_sample` [B,4,16,16] (v) |
| `scheduler/scheduler_config.json` | DDIMScheduler: `squaredcos_cap_v2`, `v_prediction`, `trailing`, `set_alpha_to_one` true | |
| `student_unet/model.onnx` | latent-consistency-distilled student, same I/O as the teacher (no `timestep_cond`: guidance {scfg.get('distilled_guidance_scale')} is baked in) | same as `unet` (output v; the LCM scheduler turns it into the consistency function) |
| `student_scheduler/scheduler_config.json` | LCMScheduler, same betas, `original_inference_steps` 50, `timestep_scaling` 10 | |
| `oracle/model.onnx` | cheap (prompt, image) scorer (ImageReward's role) | `pixel_values` f32 [B,3,64,64] in [0,1], `input_ids` int64 [B,L] → `score` f32 [B] ({SCORE_MEANING.get(man.get('oracle', {}).get('score', 'count'))}; higher = better match) |
| `judge/model.onnx` | evaluation-only attribute classifier (never used for serving) | `pixel_values` f32 [B,3,64,64] in [0,1] → `presence` [B,9], `colour` [B,9,8], `shape` [B,9,6], `size` [B,9,2], `background` [B,9] (all logits), `features` [B,128] |
| `judge/config.json` | label orders: cells, colours, shapes, sizes, backgrounds | |
| `judge/reference_stats.json` | `mean` [128] and `cov` [128×128] of judge `features` on 5000 clean renders (for the Fréchet distance) | |
| `calibration/prompts.txt` | 512 prompts from the training distribution (canonical, attribute-omitting variants, paraphrases) | |
| `eval/prompts.jsonl` | 600 held-out canonical prompts (400 one-object, 200 two-object) `{{prompt, seed, objects:[{{colour,shape,size,position}}], background}}` | |
| `eval/metrics.json` | the measured numbers below | |

Label orders (also in `judge/config.json`): cells = `top left, top, top right, left, center, right, bottom left,
bottom, bottom right` (row-major); colours = `red, green, blue, yellow, purple, orange, white, black`;
shapes = `circle, square, triangle, star, ring, cross`; sizes = `small, large`; backgrounds = the 8 colours + `gray`.

## Sampling (what the numbers below used; the TypeScript samplers implement the same diffusers schedulers)
- Noise: per image a PyTorch CPU generator `torch.Generator().manual_seed(seed)`; latents `randn([1,4,16,16])` first,
  then (student) one `randn([1,4,16,16])` per LCM re-noising step from the same generator.
- Teacher: DDIM, 50 steps, trailing spacing (timesteps 999, 979, …, 19), η=0, classifier-free guidance
  v = v_uncond + {man.get('teacher', {}).get('guidance')}·(v_cond − v_uncond) with the empty prompt as negative.
- Student: LCMScheduler with {man.get('student', {}).get('steps')} steps, timesteps {man.get('student', {}).get('timesteps')} (`set_timesteps(N, original_inference_steps=50)`:
  N=1 → [999], 2 → [999, 499], 3 → [999, 679, 339], 4 → [999, 759, 499, 259]); one UNet call per step, no CFG.
  denoised = c_out(t)·x0(v) + c_skip(t)·x_t, c_skip = 0.25/((10t)²+0.25), c_out = 10t/√((10t)²+0.25).
  The student was distilled on all 50 DDIM-skip timesteps (19 … 999), so any N in 1–4 is valid; 2 is the default.
- Decode: `vae_decoder(latents / scaling_factor)`, image = clamp((x+1)/2, 0, 1).

## Judge protocol (the TypeScript eval mirrors `training/judging.py`)
For an image and a parsed canonical prompt: a cell is *occupied* when `presence` logit > 0. For each prompt object:
`position` is right iff its named cell is occupied; its colour/shape/size are read at that cell if occupied, else at
the not-yet-used occupied cell with the highest logit for the expected colour (all wrong if none); each is right iff
the argmax equals the prompt's value. `background` right iff argmax = prompt background; `count` right iff the number
of occupied cells equals the number of prompt objects. Attributes a prompt omits are not scored. "All right" = every
scored attribute right. Fidelity: Fréchet distance between the Gaussian of judge `features` over a set of images and
`reference_stats.json`; per image (for ties in student-vs-teacher) −‖features − reference mean‖.
Student beats teacher on a pair (same prompt and seed) iff it has more attributes right, or equally many and better
per-image fidelity.

## Measured numbers (bundle `{man.get('version')}`; {ev.get('n_prompts', 'n/a')} held-out canonical prompts, fixed seeds)
Teacher (DDIM 50, guidance {ev.get('guidance')}) / student ({ev.get('student_steps')} LCM steps), judge accuracy:

| prompts | colour | shape | size | position | background | count | all right |
| --- | --- | --- | --- | --- | --- | --- | --- |
{table(ev)}

- Student judged better than the teacher (more attributes, or equal and better fidelity): **{pct(ev.get('student_beats_teacher'))}** of pairs
  (strictly more attributes: {pct(ev.get('student_more_attributes'))}; teacher strictly more: {pct(ev.get('teacher_more_attributes'))}).
- Judge Fréchet distance to real renders: teacher {ev.get('fd_judge_teacher', float('nan')):.3f}, student {ev.get('fd_judge_student', float('nan')):.3f}.
- Oracle Spearman vs the judge's number of attributes right, on student samples: **{ev.get('oracle_spearman_student_count', ev.get('oracle_spearman_student', float('nan'))):.3f}**
  for its expected count of constraints met; the score it serves is `{ev.get('oracle_score', 'count')}` (chosen by
  `training.routing_check`), Spearman {ev.get('oracle_spearman_student', float('nan')):.3f} against attributes right and
  {ev.get('oracle_spearman_student_vs_wrong', float('nan')):.3f} against attributes wrong (negated).
  (on teacher samples {ev.get('oracle_spearman_teacher', float('nan')):.3f}; pooled {ev.get('oracle_spearman_all', float('nan')):.3f};
  student samples of one-object prompts only {ev.get('oracle_spearman_student_one_object', float('nan')):.3f}, two-object prompts only
  {ev.get('oracle_spearman_student_two_objects', float('nan')):.3f}; against the fraction of attributes right {ev.get('oracle_spearman_student_fraction_right', float('nan')):.3f}).
- {vae_txt}
- onnxruntime-node on this 2-core CPU (1 intra-op thread, shared machine, so noisy): text encoder {tm.get('text_encoder_b1')} ms,
  teacher UNet at batch 2 {tm.get('teacher_unet_b2')} ms, student UNet {tm.get('student_unet_b1')} ms, decoder {tm.get('vae_decoder_b1')} ms,
  oracle {tm.get('oracle_b1')} ms; **student image (text encoder + {man.get('student', {}).get('steps')} steps + decode + oracle) {tm.get('student_image')} ms**;
  **50-step teacher image with CFG {tm.get('teacher_image_50_cfg')} ms**.
- ONNX vs PyTorch max abs difference: {json.dumps(ver.get('maxAbsDiff', {}))}; tokenizer ids (tokenizers.js vs Python): {ver.get('tokenizer')}.
- Bundle size: {size_mb:.1f} MB.

Targets of issue 3 for comparison: teacher one-object colour/size/position/background ≥ 97%, shape ≥ 85%, all ≥ 80%;
two-object all ≥ 50%; student beats teacher ≥ 15%; oracle Spearman ≥ 0.5; student image < 50 ms; teacher image < 1 s.

## How it was trained (details and reproduction: `training/README.md`)
Teacher: {tcfg.get('train_steps')} steps (batch 32, AdamW at 5e-4 then 8e-4, the last 1700 steps cosine-annealed to a tenth, EMA) of text encoder + UNet jointly on 40k cached latents,
v-prediction, 10% empty-prompt dropout. Student: {scfg.get('distill_steps')} steps of latent consistency distillation
(skip 20 of the 50-step DDIM schedule, guidance {scfg.get('distilled_guidance_scale')} built in, EMA-0.95 target, pseudo-Huber loss).
Oracle: trained without the judge, and checks the prompt's constraints one by one (as TIFA-style evaluators do):
an image reader (per grid cell: object, colour, shape, size; background), learned from renders of training scenes
with prompt attributes perturbed (objects up to 3 px off their cell centre and 12% off their size), half passed
through the VAE; a prompt reader (which objects, attributes, cells and background the prompt asks for, or "any"),
learned from the training prompts; and a fixed comparison giving the expected number of constraints satisfied.
Being compositional like the judge, it agrees with the judge more than a learned reward model such as ImageReward
would agree with people; its readers are smaller, trained separately, on other scenes and for another purpose.
Judge: trained on the world's renders plus 20k renders with objects up to 3 px off centre and 12% off size (the
teacher draws large objects ~10% too big, and a judge that had seen only exact renders called such clearly drawn
objects missing), half of all of them passed through the VAE, with mild blur/noise/colour augmentation
(3000 steps; {pct(vae.get('clean_1obj', {}).get('all_right'))} of one-object clean held-out renders fully right).
Reproduce: `training/build_bundle.sh` (resumable; `DEVICE=cuda` on a GPU).
"""
    (BUNDLE / "README.md").write_text(text)
    print("wrote models/README.md")


if __name__ == "__main__":
    main()
