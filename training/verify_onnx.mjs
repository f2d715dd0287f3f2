// Verify every exported ONNX file against the PyTorch outputs saved by export.py (training/runs/verify/*.json),
// check the tokenizer against the Python ids, and time the serving paths with onnxruntime-node.
// Run from the repo root: node training/verify_onnx.mjs
import fs from "node:fs";
import path from "node:path";
import ort from "onnxruntime-node";
import { Tokenizer } from "@huggingface/tokenizers";

const root = process.cwd();
const bundle = process.env.UNDERSTUDY_BUNDLE_DIR ?? path.join(root, "models");
const runs = process.env.UNDERSTUDY_RUNS ?? path.join(root, "training", "runs");
const vdir = path.join(runs, "verify");
const results = { maxAbsDiff: {}, timingsMs: {} };
const sessions = {};
const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all" };
async function sess(rel) {
  if (!sessions[rel]) sessions[rel] = await ort.InferenceSession.create(path.join(bundle, rel), opts);
  return sessions[rel];
}
function tensor(spec) {
  if (spec.dtype === "int64") return new ort.Tensor("int64", BigInt64Array.from(spec.data.map((x) => BigInt(x))), spec.dims);
  return new ort.Tensor("float32", Float32Array.from(spec.data), spec.dims);
}
let ok = true;
for (const f of fs.readdirSync(vdir).filter((f) => f.endsWith(".onnx.json"))) {
  const v = JSON.parse(fs.readFileSync(path.join(vdir, f), "utf8"));
  const s = await sess(v.model);
  const feeds = {};
  for (const [k, spec] of Object.entries(v.inputs)) feeds[k] = tensor(spec);
  const out = await s.run(feeds);
  let worst = 0;
  for (const [k, spec] of Object.entries(v.outputs)) {
    const got = out[k];
    if (JSON.stringify(Array.from(got.dims)) !== JSON.stringify(spec.dims)) { ok = false; console.log("DIMS MISMATCH", v.model, k, got.dims, spec.dims); }
    for (let i = 0; i < spec.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - spec.data[i]));
  }
  results.maxAbsDiff[v.model] = worst;
  if (!(worst < 1e-3)) ok = false;
  console.log(`${v.model}: max abs diff ${worst.toExponential(2)}`);
}
// tokenizer
const tj = JSON.parse(fs.readFileSync(path.join(bundle, "tokenizer/tokenizer.json"), "utf8"));
const tc = JSON.parse(fs.readFileSync(path.join(bundle, "tokenizer/tokenizer_config.json"), "utf8"));
const tok = new Tokenizer(tj, tc);
const cases = JSON.parse(fs.readFileSync(path.join(vdir, "tokenizer.json"), "utf8")).cases;
let tokOk = true;
for (const c of cases) {
  const enc = tok.encode(c.text);
  let ids = Array.from(enc.ids ?? enc.input_ids ?? enc, Number);
  const L = tc.model_max_length;
  ids = ids.slice(0, L);
  if (ids.length < L) ids = ids.concat(Array(L - ids.length).fill(0));
  const same = JSON.stringify(ids) === JSON.stringify(c.ids);
  if (!same) { tokOk = false; console.log("TOKENIZER MISMATCH", c.text, ids, c.ids); }
}
results.tokenizer = tokOk ? "match" : "MISMATCH";
console.log("tokenizer:", results.tokenizer, "(raw:", JSON.stringify(Array.from(tok.encode(cases[0].text).ids ?? [])), ")");
ok = ok && tokOk;

// timings
const man = JSON.parse(fs.readFileSync(path.join(bundle, "understudy.json"), "utf8"));
const L = 32;
const ids1 = new ort.Tensor("int64", new BigInt64Array(L).fill(0n), [1, L]);
const ids2 = new ort.Tensor("int64", new BigInt64Array(2 * L).fill(0n), [2, L]);
const te = await sess("text_encoder/model.onnx"), un = await sess("unet/model.onnx"), st = await sess("student_unet/model.onnx");
const dec = await sess("vae_decoder/model.onnx"), orc = await sess("oracle/model.onnx");
const rnd = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
async function time(name, fn, reps = 20) {
  await fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  const ms = (performance.now() - t0) / reps;
  results.timingsMs[name] = +ms.toFixed(2);
  console.log(`${name}: ${ms.toFixed(2)} ms`);
}
await time("text_encoder_b1", () => te.run({ input_ids: ids1 }));
const ehs2 = (await te.run({ input_ids: ids2 })).last_hidden_state;
const ehs1 = (await te.run({ input_ids: ids1 })).last_hidden_state;
const s2 = new ort.Tensor("float32", rnd(2 * 4 * 16 * 16), [2, 4, 16, 16]);
const s1 = new ort.Tensor("float32", rnd(4 * 16 * 16), [1, 4, 16, 16]);
const t2 = new ort.Tensor("int64", BigInt64Array.from([999n, 999n]), [2]);
const t1 = new ort.Tensor("int64", BigInt64Array.from([999n]), [1]);
await time("teacher_unet_b2", () => un.run({ sample: s2, timestep: t2, encoder_hidden_states: ehs2 }));
await time("student_unet_b1", () => st.run({ sample: s1, timestep: t1, encoder_hidden_states: ehs1 }));
await time("vae_decoder_b1", () => dec.run({ latent_sample: s1 }));
const px = new ort.Tensor("float32", Float32Array.from({ length: 3 * 64 * 64 }, () => Math.random()), [1, 3, 64, 64]);
await time("oracle_b1", () => orc.run({ pixel_values: px, input_ids: ids1 }));
await time("student_image", async () => {
  const e = (await te.run({ input_ids: ids1 })).last_hidden_state;
  let x = s1;
  for (const t of man.student.timesteps) x = (await st.run({ sample: x, timestep: new ort.Tensor("int64", BigInt64Array.from([BigInt(t)]), [1]), encoder_hidden_states: e })).out_sample;
  const img = (await dec.run({ latent_sample: x })).sample;
  await orc.run({ pixel_values: img, input_ids: ids1 });
});
await time("teacher_image_50_cfg", async () => {
  const e = (await te.run({ input_ids: ids2 })).last_hidden_state;
  let x = s2;
  for (let i = 0; i < man.teacher.steps; i++) x = (await un.run({ sample: x, timestep: t2, encoder_hidden_states: e })).out_sample;
  await dec.run({ latent_sample: new ort.Tensor("float32", x.data.slice(0, 1024), [1, 4, 16, 16]) });
}, 5);
let total = 0;
const walk = (d) => { for (const f of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, f.name); if (f.isDirectory()) walk(p); else total += fs.statSync(p).size; } };
walk(bundle);
results.bundleBytes = total;
results.ok = ok;
console.log(`bundle size ${(total / 1e6).toFixed(2)} MB; all checks ${ok ? "PASS" : "FAIL"}`);
fs.writeFileSync(path.join(runs, "verify_results.json"), JSON.stringify(results, null, 1));
process.exit(ok ? 0 : 1);
