// The page's one way to change anything: a shell command, sent with the access token.

const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? "";

/**
 * Run a shell command at the peer.
 *
 * @returns {Promise<Record<string, unknown>>} its JSON line (as `--json` prints it) and `text`
 */
export async function runCommand(command, args = []) {
  try {
    const reply = await fetch("/api/command", {
      method: "POST",
      headers: { "authorization": `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ command, args }),
    });
    const body = await reply.json();
    if (!("text" in body)) body.text = `Error: ${body.error}`;
    return body;
  } catch (error) {
    return { ok: false, command, code: "unreachable", text: `Error: ${error.message}` };
  }
}
