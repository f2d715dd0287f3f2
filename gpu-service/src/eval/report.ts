import type { ConfigResult } from "./experiment.js";

export interface EvalReport {
  bundle: { id: string; version: string };
  prompts: number;
  configs: ConfigResult[];
  studentVersusTeacher: { teacher: string; studentBetter: number; teacherBetter: number; studentCorrectTeacherWrong: number };
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The two judge accuracies the eval reports: every attribute of the prompt right, or the share of attributes right. */
export type AccuracyMetric = "accuracy" | "attributeAccuracy";
const METRIC_LABEL: Record<AccuracyMetric, string> = { accuracy: "all attributes right", attributeAccuracy: "attribute accuracy" };

/** The issue's targets, checked on the numbers for one metric: adaptive at k ≤ 50 vs the full teacher, and vs random refinement. */
export function targetFindings(report: EvalReport, metric: AccuracyMetric): string[] {
  const label = METRIC_LABEL[metric];
  const teacher = report.configs.filter((c) => c.family === "teacher-ddim").sort((a, b) => b.meanEvaluations - a.meanEvaluations)[0];
  if (!teacher) return [];
  if (teacher[metric] === 0) return [`By ${label}: uninformative, the teacher (${teacher.name}) gets no prompt fully right on this bundle.`];
  const adaptive = report.configs.filter((c) => c.family.startsWith("adaptive-") && c.k !== null && c.k <= 50);
  const winners = adaptive.filter((c) => c[metric] >= teacher[metric] && c.meanEvaluations <= 0.4 * teacher.meanEvaluations);
  const budget = `${(0.4 * teacher.meanEvaluations).toFixed(0)} evaluations (40% of ${teacher.name})`;
  const first = winners.length
    ? `By ${label}: target met by ${winners.map((c) => `${c.name} (${percent(c[metric])}, ${c.meanEvaluations.toFixed(1)} evaluations)`).join("; ")}: at least ${teacher.name}'s ${percent(teacher[metric])} within ${budget}.`
    : `By ${label}: target not met; no adaptive configuration with k ≤ 50 reaches ${teacher.name}'s ${percent(teacher[metric])} within ${budget}.`;
  const pairs = report.configs
    .filter((c) => c.family === "adaptive-refine")
    .map((c) => [c, report.configs.find((r) => r.family === "random-refine" && r.k === c.k)!] as const);
  const better = pairs.filter(([a, r]) => a[metric] > r[metric]).map(([a]) => `k=${a.k}`);
  const second = `By ${label}: adaptive refinement beats random refinement of the same share (equal evaluations) at ${better.length ? better.join(", ") : "no k"} of ${pairs.map(([a]) => `k=${a.k}`).join(", ")}.`;
  return [first, second];
}

export function markdownTable(report: EvalReport): string {
  const lines = [
    `Bundle \`${report.bundle.id}@${report.bundle.version}\`, ${report.prompts} held-out prompts (\`eval/prompts.jsonl\`, fixed seeds), judged by the bundle's judge.`,
    "",
    "| configuration | mean UNet evaluations / image | judge accuracy (all attributes) | attribute accuracy | teacher share |",
    "|---|---:|---:|---:|---:|",
    ...report.configs.map((c) => `| ${c.name} | ${c.meanEvaluations.toFixed(1)} | ${percent(c.accuracy)} | ${percent(c.attributeAccuracy)} | ${percent(c.teacherShare)} |`),
    "",
    `Student vs teacher (${report.studentVersusTeacher.teacher}) on the same initial noise: the student gets more attributes right on ` +
      `${percent(report.studentVersusTeacher.studentBetter)} of prompts, the teacher on ${percent(report.studentVersusTeacher.teacherBetter)}; ` +
      `the student is fully right where the teacher is not on ${percent(report.studentVersusTeacher.studentCorrectTeacherWrong)}.`,
    "",
    ...(["attributeAccuracy", "accuracy"] as const).flatMap((metric) => targetFindings(report, metric)).map((line) => `- ${line}`),
  ];
  return `${lines.join("\n")}\n`;
}

const SERIES: Record<ConfigResult["family"], { colour: string; label: string }> = {
  "teacher-ddim": { colour: "#1f77b4", label: "teacher, DDIM" },
  "teacher-dpmsolver++": { colour: "#17becf", label: "teacher, DPM-Solver++" },
  student: { colour: "#2ca02c", label: "student (LCM)" },
  "refine-always": { colour: "#7f7f7f", label: "refine always" },
  "random-refine": { colour: "#bcbd22", label: "random refine (same share)" },
  "adaptive-refine": { colour: "#d62728", label: "adaptive refine (k)" },
  "adaptive-regenerate": { colour: "#ff7f0e", label: "adaptive regenerate (k)" },
  "adaptive-regenerate-short": { colour: "#9467bd", label: "adaptive regenerate, shorter teacher schedule (k)" },
};

/** Judge accuracy (by `metric`) against mean UNet evaluations per image, one line per family, as a standalone SVG. */
export function accuracyPlot(report: EvalReport, metric: AccuracyMetric = "attributeAccuracy"): string {
  const [width, height, left, bottom, top, right] = [760, 460, 60, 50, 34, 220];
  const maxX = Math.ceil((Math.max(...report.configs.map((c) => c.meanEvaluations)) * 1.05) / 20) * 20;
  const accuracies = report.configs.map((c) => c[metric]);
  const [minY, maxY] = [Math.max(0, Math.min(...accuracies) - 0.05), Math.min(1, Math.max(...accuracies) + 0.05)];
  const x = (v: number) => left + (v / maxX) * (width - left - right);
  const y = (v: number) => height - bottom - ((v - minY) / (maxY - minY)) * (height - bottom - top);
  const parts: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const vx = (maxX * i) / 5;
    const vy = minY + ((maxY - minY) * i) / 5;
    parts.push(`<line x1="${x(vx)}" y1="${top}" x2="${x(vx)}" y2="${height - bottom}" stroke="#eee"/><text x="${x(vx)}" y="${height - bottom + 16}" text-anchor="middle">${vx.toFixed(0)}</text>`);
    parts.push(`<line x1="${left}" y1="${y(vy)}" x2="${width - right}" y2="${y(vy)}" stroke="#eee"/><text x="${left - 6}" y="${y(vy) + 4}" text-anchor="end">${percent(vy)}</text>`);
  }
  Object.entries(SERIES).forEach(([family, { colour, label }], i) => {
    const points = report.configs.filter((c) => c.family === family).sort((a, b) => a.meanEvaluations - b.meanEvaluations);
    if (points.length > 1) parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map((p) => `${x(p.meanEvaluations)},${y(p[metric])}`).join(" ")}"/>`);
    for (const p of points) {
      parts.push(`<circle cx="${x(p.meanEvaluations)}" cy="${y(p[metric])}" r="4" fill="${colour}"><title>${p.name}: ${percent(p[metric])}, ${p.meanEvaluations.toFixed(1)} evaluations</title></circle>`);
      if (family.startsWith("adaptive-")) parts.push(`<text x="${x(p.meanEvaluations) + 5}" y="${y(p[metric]) - 5}" font-size="9" fill="${colour}">k=${p.k}</text>`);
    }
    parts.push(`<circle cx="${width - right + 20}" cy="${top + 10 + i * 20}" r="5" fill="${colour}"/><text x="${width - right + 32}" y="${top + 14 + i * 20}">${label}</text>`);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="${top - 6}" font-weight="bold">${report.bundle.id}@${report.bundle.version}: ${report.prompts} held-out prompts, judged by the bundle's judge</text>`,
    ...parts,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="black"/><line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="black"/>`,
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">mean UNet evaluations per image</text>`,
    `<text transform="translate(16 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">judge: ${METRIC_LABEL[metric]}</text>`,
    `</svg>`,
  ].join("\n");
}
