// The only script served without the token: it holds no data. It reads the token from the
// address's #token=… (a fragment never leaves the browser), proves it to the peer, which answers
// with a same-site cookie for the page's own files and event stream, then loads the dashboard.
"use strict";

function gateMessage(text) {
  const gate = document.getElementById("gate");
  if (gate) gate.textContent = text;
}

async function openDashboard() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!token) {
    gateMessage(
      "This dashboard needs its access token: open the address with #token=… that the peer " +
        "printed when it started.",
    );
    return;
  }
  const reply = await fetch("/api/session", {
    method: "POST",
    headers: { "authorization": `Bearer ${token}`, "content-type": "application/json" },
    body: "{}",
  });
  if (!reply.ok) {
    const body = await reply.json().catch(() => ({ error: reply.statusText }));
    gateMessage(`${body.error} (${reply.status})`);
    return;
  }
  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = "/assets/style.css";
  document.head.append(style);
  const script = document.createElement("script");
  script.type = "module";
  script.src = "/assets/app.js";
  document.head.append(script);
}

document.addEventListener("DOMContentLoaded", () => {
  openDashboard().catch((error) => gateMessage(`Cannot reach the peer: ${error.message}`));
});
