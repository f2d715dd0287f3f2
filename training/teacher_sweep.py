"""Chooses the teacher's serving guidance: the exported teacher (DDIM) on the development prompt set (neither eval
nor calibration), judged per attribute, for each guidance scale given. The bundle's `teacher.guidance` is the
choice; the student's guidance is fixed at distillation and not swept here.

  /usr/bin/python3 -m training.teacher_sweep [--guidances 3,4.5,6,8] [--teacher-steps 25]"""
from .common import Log, base_args, setup
from .evaluate import load_judge, score_set, summarise
from .judging import judge_outputs
from .oracle_check import dev_set
from .sampling_job import generate


def main():
    args = base_args("teacher guidance sweep", guidances="3,4.5,6,8", teacher_steps=25).parse_args()
    setup(args)
    log = Log("teacher_sweep")
    rows = dev_set()
    prompts, seeds = [r["prompt"] for r in rows], [r["seed"] for r in rows]
    judge = load_judge()
    for guidance in (float(g) for g in args.guidances.split(",")):
        images = generate("teacher_sweep", prompts, seeds, guidance, 1, True, False, teacher_steps=args.teacher_steps)["teacher"]
        summary = summarise(score_set(judge_outputs(judge, images), rows), rows, "teacher")
        log(f"guidance {guidance} DDIM {args.teacher_steps}: " + "; ".join(
            f"{name[len('teacher_'):]} " + ", ".join(f"{attr} {value:.3f}" for attr, value in d.items() if attr != "n")
            for name, d in summary.items()))


if __name__ == "__main__":
    main()
