// A stand-in gpu-service on loopback (the internal v1 contract with deterministic fake images), for
// benchmarking the edge in isolation when the real bundle is not there.
import { createServer } from "node:http";
import { StandinGpuService } from "../test/standin.js";

export function serveStandin(secret: string, port: number): Promise<() => Promise<void>> {
  const standin = new StandinGpuService(secret);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const body = req.method === "GET" ? undefined : Buffer.concat(chunks);
    const request = new Request(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers, body });
    const response = req.url === "/readyz" || req.url === "/healthz" ? Response.json({ status: "ok" }) : await standin.handle(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(() => new Promise((done) => server.close(() => done())))));
}
