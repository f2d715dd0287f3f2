#!/usr/bin/env bash
# Reproduce the whole shapes-world bundle from nothing: render data, train the VAE, teacher, student, oracle and
# judge, export to models/, verify with onnxruntime-node, calibrate, evaluate, write models/README.md.
# Every stage resumes from its checkpoint under training/runs/ and skips when complete, so re-running after an
# interruption continues where it stopped.
#
#   training/build_bundle.sh                                  # CPU, defaults
#   DEVICE=cuda training/build_bundle.sh                      # CUDA machine (minutes)
#   TEACHER_STEPS=12000 STUDENT_STEPS=3000 training/build_bundle.sh   # train longer (resumes)
#   TEACHER_MINUTES=30 STUDENT_MINUTES=10 ...                 # wall-clock caps per invocation (0 = none)
# NB: when the teacher changes after the student was distilled, move training/runs/student.pt away first.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
DEV=${DEVICE:-cpu}
export UNDERSTUDY_THREADS=${UNDERSTUDY_THREADS:-1}
SEED=${SEED:-0}
C="--device $DEV --seed $SEED"
$PY -m training.train_vae $C --steps "${VAE_STEPS:-600}"
# Teacher v1 (2 text-encoder layers, cross-attention at 8x8 only), then v2 warm-started from it (4 layers, cross-attention
# at 16x16 too, half of every batch two-object scenes): v2 is the bundle's teacher.
$PY -m training.train_teacher $C --name teacher_v1 --batch 32 --lr "${TEACHER_LR:-8e-4}" --steps "${TEACHER_STEPS:-10500}" --anneal-from "${TEACHER_ANNEAL_FROM:-8800}" --max-minutes "${TEACHER_MINUTES:-0}"
$PY -m training.train_teacher $C --name teacher --arch v2 --init-from training/runs/teacher_v1.pt --two-object-share 0.5 --batch 32 --lr "${TEACHER_V2_LR:-4e-4}" --steps "${TEACHER_V2_STEPS:-6000}" --anneal-from "${TEACHER_V2_ANNEAL_FROM:-4500}" --max-minutes "${TEACHER_MINUTES:-0}"
$PY -m training.distill_student $C --batch 32 --steps "${STUDENT_STEPS:-4519}" --max-minutes "${STUDENT_MINUTES:-0}" --guidance "${GUIDANCE:-6.0}"
$PY -m training.train_oracle $C --steps "${ORACLE_STEPS:-3000}"
$PY -m training.train_judge $C --batch 32 --steps "${JUDGE_STEPS:-3000}"
# Two choices made on the development prompt set (never the eval set), by the checks after verify_onnx:
# TEACHER_GUIDANCE by teacher_sweep, ORACLE_SCORE (count or deficit) by routing_check.
$PY -m training.export $C --student-steps "${SERVE_STUDENT_STEPS:-2}" --teacher-guidance "${TEACHER_GUIDANCE:-4.5}" --oracle-score "${ORACLE_SCORE:-deficit}" ${VERSION:+--version "$VERSION"}
node training/verify_onnx.mjs
$PY -m training.teacher_sweep $C --guidances 3,4.5,6
$PY -m training.routing_check $C
EVAL_N_ONE=${EVAL_N_ONE:-400} EVAL_N_TWO=${EVAL_N_TWO:-200} $PY -m training.finalize $C
$PY -m training.check_vae $C
$PY -m training.write_readme
