/**
 * The requests that deliver a bot's answer after the acknowledgement. Failures are logged, never thrown:
 * nobody is left to answer to, and the chat already shows "working on it".
 */
export interface DiscordTarget {
  apiBase: string;
  applicationId: string;
  token: string;
}

async function deliver(what: string, url: string, init: RequestInit): Promise<boolean> {
  try {
    const response = await fetch(url, init);
    if (response.ok) {
      await response.body?.cancel();
      return true;
    }
    console.error(JSON.stringify({ level: "error", message: `${what}: ${response.status} ${(await response.text()).slice(0, 500)}` }));
  } catch (error) {
    console.error(JSON.stringify({ level: "error", message: `${what}: ${String(error)}` }));
  }
  return false;
}

/**
 * Edits the deferred answer. With a file, Discord wants multipart/form-data: the message as `payload_json`
 * and the file as `files[0]`, matched by `attachments[0].id = 0`.
 */
export function editDiscordOriginal(target: DiscordTarget, payload: object, file?: { bytes: Uint8Array<ArrayBuffer>; filename: string }): Promise<boolean> {
  const url = `${target.apiBase}/webhooks/${target.applicationId}/${encodeURIComponent(target.token)}/messages/@original`;
  if (!file) return deliver("discord follow-up", url, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) });
  const form = new FormData();
  form.append("payload_json", JSON.stringify(payload));
  form.append("files[0]", new Blob([file.bytes], { type: "image/png" }), file.filename);
  return deliver("discord follow-up", url, { method: "PATCH", body: form });
}

/** Slack's `response_url` takes a JSON message (valid for 30 minutes, up to 5 posts). */
export function postToSlack(responseUrl: string, message: object): Promise<boolean> {
  return deliver("slack follow-up", responseUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(message) });
}
