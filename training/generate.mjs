// Fast sample generation with onnxruntime-node for evaluation and calibration (PyTorch on this CPU is ~5x slower).
// Usage: node training/generate.mjs <jobdir>
// <jobdir>/job.json: {n, guidance, teacher_steps, teacher_timesteps, student_timesteps, alphas_cumprod,
//                     lcm_c: [[c_skip, c_out] per student timestep], do_teacher, do_student}
// <jobdir>/ids.bin int64 [n,32]; latents.bin float32 [n,4,16,16]; student_noise.bin float32 [S-1,n,4,16,16]
// Writes teacher.bin / student.bin: float32 [n,3,64,64] images in [0,1].
import fs from "node:fs";
import path from "node:path";
import ort from "onnxruntime-node";

const dir = process.argv[2];
const job = JSON.parse(fs.readFileSync(path.join(dir, "job.json"), "utf8"));
const bundle = process.env.UNDERSTUDY_BUNDLE_DIR ?? path.join(process.cwd(), "models");
const opts = { intraOpNumThreads: Number(process.env.ORT_THREADS ?? 1), interOpNumThreads: 1, graphOptimizationLevel: "all" };
const S = async (p) => ort.InferenceSession.create(path.join(bundle, p), opts);
const te = await S("text_encoder/model.onnx"), dec = await S("vae_decoder/model.onnx");
const n = job.n, L = 32, Z = 4 * 16 * 16, P = 3 * 64 * 64;
const ids = new BigInt64Array(fs.readFileSync(path.join(dir, "ids.bin")).buffer.slice(0));
const lat0 = new Float32Array(fs.readFileSync(path.join(dir, "latents.bin")).buffer.slice(0));
const ac = job.alphas_cumprod;
const sf = job.scaling_factor;
const BS = 50;

async function embed(start, m) {
  return (await te.run({ input_ids: new ort.Tensor("int64", ids.slice(start * L, (start + m) * L), [m, L]) })).last_hidden_state;
}
async function decodeInto(out, start, m, x) {
  const z = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) z[i] = x[i] / sf;
  const img = (await dec.run({ latent_sample: new ort.Tensor("float32", z, [m, 4, 16, 16]) })).sample.data;
  for (let i = 0; i < img.length; i++) out[start * P + i] = Math.min(1, Math.max(0, (img[i] + 1) / 2));
}
const tEmpty = (await te.run({ input_ids: new ort.Tensor("int64", BigInt64Array.from([2n, 3n, ...Array(L - 2).fill(0n)]), [1, L]) })).last_hidden_state.data;

if (job.do_teacher) {
  const unet = await S("unet/model.onnx");
  const out = new Float32Array(n * P);
  const t0 = performance.now();
  for (let s = 0; s < n; s += BS) {
    const m = Math.min(BS, n - s);
    const cond = (await embed(s, m)).data;
    const D = cond.length / m;
    const ehs = new Float32Array(2 * m * D);
    for (let i = 0; i < m; i++) ehs.set(tEmpty, i * D);
    ehs.set(cond, m * D);
    let x = lat0.slice(s * Z, (s + m) * Z);
    const ts = job.teacher_timesteps;
    for (let k = 0; k < ts.length; k++) {
      const t = ts[k], tp = t - 1000 / job.teacher_steps;
      const xx = new Float32Array(2 * m * Z); xx.set(x); xx.set(x, m * Z);
      const v = (await unet.run({ sample: new ort.Tensor("float32", xx, [2 * m, 4, 16, 16]),
        timestep: new ort.Tensor("int64", new BigInt64Array(2 * m).fill(BigInt(t)), [2 * m]),
        encoder_hidden_states: new ort.Tensor("float32", ehs, [2 * m, L, D / L]) })).out_sample.data;
      const a = ac[t], ap = tp >= 0 ? ac[tp] : 1.0;
      const sa = Math.sqrt(a), sb = Math.sqrt(1 - a), sap = Math.sqrt(ap), sbp = Math.sqrt(1 - ap);
      const nx = new Float32Array(m * Z);
      for (let i = 0; i < m * Z; i++) {
        const vv = v[i] + job.guidance * (v[m * Z + i] - v[i]);
        const x0 = sa * x[i] - sb * vv, eps = sa * vv + sb * x[i];
        nx[i] = sap * x0 + sbp * eps;
      }
      x = nx;
    }
    await decodeInto(out, s, m, x);
  }
  console.log(`teacher: ${n} images in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  fs.writeFileSync(path.join(dir, "teacher.bin"), Buffer.from(out.buffer));
}
if (job.do_student) {
  const st = await S("student_unet/model.onnx");
  const noise = job.student_timesteps.length > 1 ? new Float32Array(fs.readFileSync(path.join(dir, "student_noise.bin")).buffer.slice(0)) : null;
  const out = new Float32Array(n * P);
  const t0 = performance.now();
  for (let s = 0; s < n; s += BS) {
    const m = Math.min(BS, n - s);
    const cond = await embed(s, m);
    let x = lat0.slice(s * Z, (s + m) * Z);
    const ts = job.student_timesteps;
    for (let k = 0; k < ts.length; k++) {
      const t = ts[k];
      const v = (await st.run({ sample: new ort.Tensor("float32", x, [m, 4, 16, 16]),
        timestep: new ort.Tensor("int64", new BigInt64Array(m).fill(BigInt(t)), [m]), encoder_hidden_states: cond })).out_sample.data;
      const a = ac[t], sa = Math.sqrt(a), sb = Math.sqrt(1 - a);
      const [cs, co] = job.lcm_c[k];
      const den = new Float32Array(m * Z);
      for (let i = 0; i < m * Z; i++) den[i] = co * (sa * x[i] - sb * v[i]) + cs * x[i];
      if (k < ts.length - 1) {
        const ap = ac[ts[k + 1]], sap = Math.sqrt(ap), sbp = Math.sqrt(1 - ap);
        const off = k * n * Z + s * Z;
        for (let i = 0; i < m * Z; i++) den[i] = sap * den[i] + sbp * noise[off + i];
      }
      x = den;
    }
    await decodeInto(out, s, m, x);
  }
  console.log(`student: ${n} images in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  fs.writeFileSync(path.join(dir, "student.bin"), Buffer.from(out.buffer));
}
