// Who is logged in and which tracker the peer uses; the login form; failovers as they happen.
import { el, replaceChildren, setText } from "./dom.js";
import { formatTime } from "./format.js";

/** Build the session panel once; returns its update function. */
export function sessionView(root, act) {
  const user = el("input", { id: "login-user", name: "user", autocomplete: "username" });
  const password = el("input", {
    id: "login-password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
  });
  const submit = (command) => async (event) => {
    event.preventDefault();
    const reply = await act(command, [user.value.trim(), password.value], event.currentTarget);
    if (reply.ok && command === "login") password.value = "";
  };
  const loginForm = el(
    "form",
    { id: "login-form", class: "inline-form", "aria-label": "Log in", onsubmit: submit("login") },
    el("label", { for: "login-user" }, "User"),
    user,
    el("label", { for: "login-password" }, "Password"),
    password,
    el("button", { type: "submit", id: "login-button" }, "Log in"),
    el(
      "button",
      { type: "button", id: "create-user-button", onclick: submit("create_user") },
      "Create user",
    ),
  );
  const who = el("span", { id: "session-user" });
  const tracker = el("span", { id: "session-tracker" });
  const logout = el("button", {
    type: "button",
    id: "logout-button",
    onclick: (event) => act("logout", [], event.currentTarget),
  }, "Log out");
  const loggedIn = el("div", { class: "session-line" }, who, logout);
  const failovers = el("ul", {
    id: "failovers",
    class: "compact",
    "aria-label": "Tracker failovers",
  });
  root.append(
    el("h2", {}, "Session"),
    loggedIn,
    loginForm,
    el("p", {}, "Tracker: ", tracker),
    failovers,
  );
  return {
    update(session) {
      const isIn = session?.user ? true : false;
      loggedIn.hidden = !isIn;
      loginForm.hidden = isIn;
      setText(who, isIn ? `Logged in as ${session.user}` : "");
      setText(tracker, session?.tracker ?? "none answers");
    },
    /** A `tracker_switched` or `tracker_connected` event. */
    failover(line) {
      const text = line.event === "tracker_switched"
        ? `${formatTime()} switched from ${line.from} to ${line.to}`
        : `${formatTime()} connected to ${line.tracker ?? line.to ?? "a tracker"}`;
      const items = [el("li", { class: "failover" }, text), ...failovers.children].slice(0, 5);
      replaceChildren(failovers, ...items);
    },
  };
}
