#!/usr/bin/env bash
# Reproduce the whole shapes-world bundle from nothing: render data, train judge, VAE, teacher, student, oracle,
# calibrate, evaluate, export to models/, verify with onnxruntime-node. Every stage resumes from its checkpoint
# under training/runs/ and skips when complete; re-running after an interruption continues where it stopped.
#
#   training/build_bundle.sh                      # CPU, defaults (a few hours on 2 cores)
#   DEVICE=cuda training/build_bundle.sh          # CUDA machine
#   TEACHER_STEPS=12000 STUDENT_STEPS=3000 training/build_bundle.sh   # train longer (resumes)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
DEV=${DEVICE:-cpu}
export UNDERSTUDY_THREADS=${UNDERSTUDY_THREADS:-2}
SEED=${SEED:-0}
C="--device $DEV --seed $SEED"
$PY -m training.train_judge $C --steps "${JUDGE_STEPS:-1500}"
$PY -m training.train_vae $C --steps "${VAE_STEPS:-1200}"
$PY -m training.train_teacher $C --steps "${TEACHER_STEPS:-6000}"
$PY -m training.distill_student $C --steps "${STUDENT_STEPS:-1500}" --guidance "${GUIDANCE:-4.0}"
$PY -m training.train_oracle $C --steps "${ORACLE_STEPS:-2000}"


$PY -m training.export $C --student-steps "${SERVE_STUDENT_STEPS:-2}" ${VERSION:+--version "$VERSION"}
node training/verify_onnx.mjs
$PY -m training.finalize $C
$PY -m training.write_readme
