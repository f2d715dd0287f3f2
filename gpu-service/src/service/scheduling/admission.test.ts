import { describe, expect, it } from "vitest";
import { refuseAdmission as refusal, retryAfter, type Load } from "./admission.js";

/** The error a refused caller gets (null when admitted). */
const refuseAdmission = (...args: Parameters<typeof refusal>) => refusal(...args)?.error ?? null;

/** A student job admitted now finishes `ms` later, whatever the queue (the estimate itself is finish-estimate's). */
const finishingIn = (ms: number) => () => ms;
const idle: Load = { draining: false, studentBacklog: 0, teacherBacklog: 0, workersReady: 1, studentJobMs: 20, studentFinishMs: finishingIn(20), studentIdle: false, teacherJobMs: 400 };
const limits = { studentQueue: 8, teacherQueue: 2 };

describe("refuseAdmission", () => {
  it("admits while the jobs fit the queue they enter", () => {
    expect(refuseAdmission({ mode: "adaptive", n: 4 }, { ...idle, studentBacklog: 4 }, limits)).toBeNull();
    expect(refuseAdmission({ mode: "teacher", n: 2 }, idle, limits)).toBeNull();
  });

  it("refuses a request whose images would overflow the student queue with 503 overloaded and Retry-After", () => {
    const error = refuseAdmission({ mode: "student", n: 2 }, { ...idle, studentBacklog: 7, studentJobMs: 300 }, limits);
    expect(error).toMatchObject({ status: 503, code: "overloaded", retryAfterSeconds: 3 });
    expect(error?.message).toContain("student queue is full (7 of 8");
  });

  it("sends mode teacher to the teacher queue's bound, and suggests adaptive when it is full", () => {
    const error = refuseAdmission({ mode: "teacher", n: 1 }, { ...idle, teacherBacklog: 2 }, limits);
    expect(error).toMatchObject({ status: 503, code: "overloaded", retryAfterSeconds: 1 });
    expect(error?.message).toContain('mode "adaptive"');
    // A full teacher queue does not refuse adaptive requests: their teacher stage degrades instead.
    expect(refuseAdmission({ mode: "adaptive", n: 1 }, { ...idle, teacherBacklog: 2 }, limits)).toBeNull();
  });

  it("refuses a request whose stage could not finish before its deadline, naming the wait", () => {
    const now = 1_000;
    const busy: Load = { ...idle, studentBacklog: 6, studentJobMs: 10, studentFinishMs: (n) => 60 + 10 * n };
    expect(refuseAdmission({ mode: "student", n: 1, deadlineMs: now + 70 }, busy, limits, now)).toBeNull();
    const late = refuseAdmission({ mode: "adaptive", n: 1, deadlineMs: now + 69 }, busy, limits, now);
    expect(late).toMatchObject({ status: 503, code: "overloaded", retryAfterSeconds: 1 });
    expect(late?.message).toContain("before its deadline: 6 images are ahead of it, about 70 ms of work");
    // The request's own images count.
    expect(refuseAdmission({ mode: "student", n: 2, deadlineMs: now + 70 }, busy, limits, now)).not.toBeNull();
    // Mode teacher is judged by the teacher's pace.
    expect(refuseAdmission({ mode: "teacher", n: 1, deadlineMs: now + 399 }, idle, limits, now)).not.toBeNull();
    expect(refuseAdmission({ mode: "teacher", n: 1, deadlineMs: now + 400 }, idle, limits, now)).toBeNull();
    // No deadline, no such refusal.
    expect(refuseAdmission({ mode: "student", n: 1 }, { ...busy, studentBacklog: 7 }, limits, now)).toBeNull();
  });

  it("admits a job to an idle student stage whatever the estimate, while its deadline is still ahead", () => {
    const now = 1_000;
    // A slow spell left the estimate at 200 ms; nothing runs, so only admitting something can correct it.
    const inflated: Load = { ...idle, studentFinishMs: finishingIn(200), studentIdle: true };
    expect(refuseAdmission({ mode: "student", n: 1, deadlineMs: now + 50 }, inflated, limits, now)).toBeNull();
    expect(refuseAdmission({ mode: "student", n: 1, deadlineMs: now }, inflated, limits, now)).not.toBeNull();
    expect(refuseAdmission({ mode: "student", n: 1, deadlineMs: now + 50 }, { ...inflated, studentIdle: false }, limits, now)).not.toBeNull();
  });

  it("refuses everything while draining", () => {
    expect(refuseAdmission({ mode: "student", n: 1 }, { ...idle, draining: true }, limits)).toMatchObject({ status: 503, retryAfterSeconds: 1 });
  });
});

describe("retryAfter", () => {
  it("is the backlog's drain time across workers, clamped to 1..60 s", () => {
    expect(retryAfter(10, 500, 2)).toBe(3);
    expect(retryAfter(0, 500, 1)).toBe(1);
    expect(retryAfter(1000, 1000, 1)).toBe(60);
    expect(retryAfter(3, undefined, 0)).toBe(3);
  });
});
