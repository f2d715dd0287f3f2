// Finds the port where workerd serves the worker itself, behind `wrangler dev`'s local proxy.
//
// `wrangler dev` listens on its port with a proxy worker (its own workerd process) that forwards every request
// to a second workerd running our worker on a random loopback port. That hop exists only in local development,
// so the benchmark also measures the worker directly. wrangler does not print the inner port (below debug
// logging, which logs every request), so it is read from the sockets of the processes wrangler started (Linux /proc).
import { readFileSync, readdirSync, readlinkSync } from "node:fs";

/** Listening TCP ports on 127.0.0.1 by socket inode, from /proc/net/tcp. */
function listeningLoopbackPorts(): Map<string, number> {
  const ports = new Map<string, number>();
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [local, state, inode] = [fields[1], fields[3], fields[9]];
    // 0A = LISTEN; 0100007F = 127.0.0.1 in /proc's little-endian hex.
    if (state !== "0A" || !local?.startsWith("0100007F:") || !inode) continue;
    ports.set(inode, parseInt(local.slice(9), 16));
  }
  return ports;
}

/** Socket inodes held by every process in the process group `pgid` (the edge child leads its own group). */
function socketInodesOfGroup(pgid: number): Set<string> {
  const inodes = new Set<string>();
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      // Field 5 of /proc/<pid>/stat is the process group; the command name before it may contain spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== pgid) continue;
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(match[1]!);
      }
    } catch {
      /* the process ended, or is not ours to read */
    }
  }
  return inodes;
}

/**
 * The URL of the worker itself (no proxy in front), or null where it cannot be found (not Linux, say).
 * Candidates are the loopback ports the edge's processes listen on, other than the proxy's; the one that
 * answers `GET /healthz` with our health body is the worker.
 */
export async function findWorkerUrl(edgePid: number, proxyPort: number): Promise<string | null> {
  let candidates: number[];
  try {
    const ports = listeningLoopbackPorts();
    candidates = [...socketInodesOfGroup(edgePid)].flatMap((inode) => ports.get(inode) ?? []).filter((port) => port !== proxyPort);
  } catch {
    return null;
  }
  for (const port of candidates) {
    const url = `http://127.0.0.1:${port}`;
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      const body = (await response.json().catch(() => null)) as { status?: unknown; origins?: unknown } | null;
      if (response.ok && body?.status === "ok" && Array.isArray(body.origins)) return url;
    } catch {
      /* not an HTTP server of ours (inspector, storage loopback) */
    }
  }
  return null;
}
