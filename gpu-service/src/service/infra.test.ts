import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { parseAllDocuments } from "yaml";
import { SERVICE_ENV_VARS } from "./config.js";
import { LiveCalibration } from "./monitoring/live-calibration.js";
import { ServiceMetrics } from "./monitoring/metrics.js";
import { TEST_BUNDLE_DIR, TEST_SECRET, until } from "./testing.js";

/**
 * The deployment in `infra/` as far as it can be checked without a Docker engine or a cluster: every YAML
 * file parses, the manifests agree with the service (its variables, port, probes, metric names), and the
 * exact command the images run starts the service, passes the image's health check and drains on SIGTERM.
 */

vi.setConfig({ testTimeout: 120_000 });

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const INFRA = join(ROOT, "infra");

type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? yamlFiles(join(dir, entry.name)) : /\.ya?ml$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

function readYaml(path: string): Yaml[] {
  return parseAllDocuments(readFileSync(join(INFRA, path), "utf8")).map((document) => document.toJS() as Yaml);
}

/** Dockerfile instructions with line continuations joined: [instruction, arguments]. */
function dockerfile(path: string): Array<[string, string]> {
  return readFileSync(join(INFRA, path), "utf8")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const [instruction = "", ...rest] = line.split(/\s+/);
      return [instruction.toUpperCase(), rest.join(" ")];
    });
}

/** The final stage's ENV, CMD and HEALTHCHECK command. */
function runtimeOf(path: string) {
  const instructions = dockerfile(path);
  const lastStage = instructions.findLastIndex(([instruction]) => instruction === "FROM");
  const stage = instructions.slice(lastStage);
  const env: Record<string, string> = {};
  for (const [, args] of stage.filter(([instruction]) => instruction === "ENV")) {
    for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) env[key!] = value!;
  }
  const cmd = JSON.parse(stage.findLast(([instruction]) => instruction === "CMD")![1]) as string[];
  const healthcheck = stage.find(([instruction]) => instruction === "HEALTHCHECK")?.[1];
  const check = healthcheck ? (JSON.parse(healthcheck.slice(healthcheck.indexOf("CMD ") + 4)) as string[]) : null;
  const expose = stage.find(([instruction]) => instruction === "EXPOSE")?.[1];
  return { env, cmd, check, expose };
}

const IMAGE_ONLY_VARS = ["NODE_ENV", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES"];

describe("infra/", () => {
  it("has only YAML that parses", () => {
    const files = yamlFiles(INFRA);
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) {
      for (const document of parseAllDocuments(readFileSync(file, "utf8"))) expect(document.errors, file).toEqual([]);
    }
  });

  it("builds both images to run the same command, port and health check, setting only variables the service reads", () => {
    const cpu = runtimeOf("gpu-service/Dockerfile");
    const cuda = runtimeOf("gpu-service/Dockerfile.cuda");
    expect(cuda.cmd).toEqual(cpu.cmd);
    expect(cuda.check).toEqual(cpu.check);
    expect(cpu.env).toMatchObject({ PORT: cpu.expose, UNDERSTUDY_EXECUTION_PROVIDER: "cpu" });
    expect(cuda.env).toMatchObject({ PORT: cpu.expose, UNDERSTUDY_EXECUTION_PROVIDER: "cuda" });
    for (const name of [...Object.keys(cpu.env), ...Object.keys(cuda.env)]) expect([...SERVICE_ENV_VARS, ...IMAGE_ONLY_VARS]).toContain(name);
    for (const path of ["gpu-service/Dockerfile", "gpu-service/Dockerfile.cuda", "edge/Dockerfile"]) {
      expect(existsSync(join(INFRA, `${path}.dockerignore`)), `${path}.dockerignore`).toBe(true);
    }
  });

  it("composes the gpu-service and the edge under wrangler dev, wired to each other", () => {
    const [compose] = readYaml("compose.yaml");
    const { "gpu-service": gpu, edge } = compose!.services;
    for (const name of Object.keys(gpu.environment)) expect(SERVICE_ENV_VARS).toContain(name);
    expect(gpu.build.dockerfile).toBe("infra/gpu-service/Dockerfile");
    expect(edge.environment.GPU_SERVICE_URLS).toBe(`http://gpu-service:${runtimeOf("gpu-service/Dockerfile").env.PORT}`);
    expect(edge.depends_on["gpu-service"].condition).toBe("service_healthy");
    expect(runtimeOf("edge/Dockerfile").cmd.join(" ")).toContain("wrangler dev");
    const [cuda] = readYaml("compose.cuda.yaml");
    expect(cuda!.services["gpu-service"].build.dockerfile).toBe("infra/gpu-service/Dockerfile.cuda");
  });

  it("deploys to Kubernetes on a GPU, ready on /readyz, alive on /healthz, draining within its grace period", () => {
    const [kustomization] = readYaml("k8s/kustomization.yaml");
    for (const resource of kustomization!.resources) expect(existsSync(join(INFRA, "k8s", resource)), resource).toBe(true);
    const [deployment] = readYaml("k8s/deployment.yaml");
    const pod = deployment!.spec.template.spec;
    const [container] = pod.containers;
    expect(container.resources.limits["nvidia.com/gpu"]).toBe(1);
    const env = Object.fromEntries(container.env.map((variable: Yaml) => [variable.name, variable.value]));
    for (const name of Object.keys(env)) expect(SERVICE_ENV_VARS).toContain(name);
    expect(container.ports[0].containerPort).toBe(Number(env.PORT));
    expect(container.readinessProbe.httpGet).toMatchObject({ path: "/readyz", port: "http" });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: "/healthz", port: "http" });
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(env.UNDERSTUDY_SHUTDOWN_GRACE_MS) + preStopSeconds * 1000);
    const [service] = readYaml("k8s/service.yaml");
    expect(service!.spec.selector).toEqual(deployment!.spec.selector.matchLabels);
  });

  it("autoscales on a queue-depth metric the service really exports", () => {
    const [hpa] = readYaml("k8s/hpa.yaml");
    const [deployment] = readYaml("k8s/deployment.yaml");
    expect(hpa!.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: deployment!.metadata.name });
    const metric = hpa!.spec.metrics[0].pods.metric.name;
    const metrics = new ServiceMetrics({ calibration: new LiveCalibration({ percentiles: [] }), calibratedThresholds: {} });
    expect(metrics.registry.getSingleMetric(metric)).toBeDefined();
    const [adapter] = readYaml("k8s/prometheus-adapter-rules.yaml");
    expect(adapter!.rules.custom[0].seriesQuery).toContain(metric);
  });

  it("runs the image's exact command: ready, healthy by its HEALTHCHECK, and drained by SIGTERM", async () => {
    const { env, cmd, check } = runtimeOf("gpu-service/Dockerfile");
    // The image's environment, with the bundle where this checkout has it and a free loopback port.
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const runEnv = { PATH: process.env.PATH, ...env, UNDERSTUDY_BUNDLE_DIR: TEST_BUNDLE_DIR, HOST: "127.0.0.1", PORT: port, GPU_SERVICE_SECRET: TEST_SECRET };
    const child = spawn(cmd[0]!, cmd.slice(1), { cwd: ROOT, env: runEnv, stdio: ["ignore", "pipe", "pipe"] });
    const exited = once(child, "exit");
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    try {
      await until(() => output.includes("gpu-service ready") || child.exitCode !== null, "the service is ready", 90_000);
      expect(output, output).toContain("gpu-service ready");
      const probe = spawn(check![0]!, check!.slice(1), { env: runEnv, stdio: "ignore" });
      const [probeCode] = await once(probe, "exit");
      expect(probeCode).toBe(0);
      child.kill("SIGTERM");
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
