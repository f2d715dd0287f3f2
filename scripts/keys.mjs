#!/usr/bin/env node
// `npm run keys -- <command>`: API keys and tenants, locally or on a deployment.
//
//   create --tenant acme --tier pro [--credits 100000|tier]   a new key (shown once); creates or re-tiers the tenant
//   list   [--tenant acme]                                 tenants, or one tenant's keys (prefixes only)
//   revoke --tenant acme --key us_AbCdEfGh                 revokes by the key's prefix (or the whole key)
//
// Locally it talks to `npm start`'s edge, or runs a short-lived `wrangler dev` on the same local state when the
// stack is not running. Against a deployment: --endpoint https://… --admin-token … (or UNDERSTUDY_ADMIN_TOKEN).
import { parseArgs } from "node:util";
import { EDGE_URL, admin, devCredentials, isUp, startEdge, stop, waitFor } from "./lib/stack.mjs";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    tenant: { type: "string" },
    tier: { type: "string" },
    credits: { type: "string" },
    key: { type: "string" },
    endpoint: { type: "string" },
    "admin-token": { type: "string" },
  },
});

const usage = "usage: npm run keys -- create --tenant NAME --tier free|standard|pro [--credits N] | list [--tenant NAME] | revoke --tenant NAME --key PREFIX  [--endpoint URL --admin-token TOKEN]";
const fail = (message) => {
  console.error(message);
  process.exit(2);
};

function need(name) {
  if (!values[name]) fail(`--${name} is required.\n${usage}`);
  return values[name];
}

async function run(endpoint, token) {
  const command = positionals[0];
  if (command === "create") {
    const tenant = need("tenant");
    // --credits N overrides the tier's monthly allowance, --credits tier restores it, absent keeps what is set.
    const credits = values.credits === undefined ? {} : { monthly_credits: values.credits === "tier" ? null : Number(values.credits) };
    const body = { tier: need("tier"), ...credits };
    const created = await admin(endpoint, token, "POST", `/admin/tenants/${encodeURIComponent(tenant)}/keys`, body);
    console.log(`tenant ${created.tenant} (${created.tier})\nkey    ${created.key}\nThe key is shown only now; it is stored as a SHA-256 hash.`);
  } else if (command === "list" && values.tenant) {
    const listing = await admin(endpoint, token, "GET", `/admin/tenants/${encodeURIComponent(values.tenant)}/keys`);
    console.log(`tenant ${values.tenant} (${listing.tier}${listing.monthly_credits === null ? "" : `, ${listing.monthly_credits} credits/month`})`);
    for (const key of listing.keys) console.log(`  ${key.prefix}…  created ${key.created}${key.revoked ? `  revoked ${key.revoked}` : ""}`);
  } else if (command === "list") {
    const { tenants } = await admin(endpoint, token, "GET", "/admin/tenants");
    for (const { tenant, tier } of tenants) console.log(`${tenant}\t${tier}`);
  } else if (command === "revoke") {
    const tenant = need("tenant");
    const prefix = need("key").slice(0, 11);
    const { revoked } = await admin(endpoint, token, "DELETE", `/admin/tenants/${encodeURIComponent(tenant)}/keys/${encodeURIComponent(prefix)}`);
    console.log(`revoked ${revoked} key(s) of ${tenant}; they stop working immediately.`);
  } else {
    fail(usage);
  }
}

if (values.endpoint) {
  const token = values["admin-token"] ?? process.env.UNDERSTUDY_ADMIN_TOKEN;
  if (!token) fail("--admin-token (or UNDERSTUDY_ADMIN_TOKEN) is required with --endpoint.");
  await run(values.endpoint, token).catch((error) => fail(error.message));
} else {
  const credentials = devCredentials();
  let edge = null;
  let endpoint = EDGE_URL;
  if (!(await isUp(`${EDGE_URL}/healthz`))) {
    // No stack running: a temporary edge on the same persisted state (it needs no gpu-service for this).
    const port = 18787;
    endpoint = `http://127.0.0.1:${port}`;
    edge = startEdge(credentials, { port, quiet: true });
    await waitFor(`${endpoint}/healthz`, { child: edge, timeoutMs: 90_000, what: "a temporary wrangler dev" }).catch((error) => {
      stop(edge);
      fail(error.message);
    });
  }
  try {
    await run(endpoint, credentials.admin_token);
  } catch (error) {
    process.exitCode = 1;
    console.error(error.message);
  } finally {
    stop(edge);
  }
}
