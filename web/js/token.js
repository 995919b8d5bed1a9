// The bearer token of a server started with --token. Asked once per tab with a small form
// (never prompt(), which blocks the page and cannot say why the last token was refused), kept
// in sessionStorage so a reload in the same tab does not ask again, and dropped with the tab.
//
// Escape (or anything else that closes the form without a token) is allowed: the requests
// waiting for the token then fail with a 401, the views say so, and a "Token needed" note at
// the top of the page has a button that opens the form again (and then loads the view again).
// Until that button is pressed, further 401s fail at once instead of reopening the form.

const KEY = "flowtrail.token";
// What an Authorization header can carry as it is: printable ASCII. fetch throws on anything
// else (a pasted non-breaking space, an accented letter), so the form refuses it with a reason.
const PRINTABLE = /^[\x20-\x7e]+$/;
let pending = null;
let dismissed = false;
let retry = () => {};

/** The stored token, or "" (a stored value fetch could not send is dropped). */
export function token() {
  const t = sessionStorage.getItem(KEY) || "";
  if (t && !PRINTABLE.test(t)) { sessionStorage.removeItem(KEY); return ""; }
  return t;
}

/** The form was closed without a token: what askToken rejects with. */
export class TokenDismissed extends Error {
  constructor() { super("Token needed: this server was started with --token"); this.name = "TokenDismissed"; }
}

/** What to do once a token is entered from the "Token needed" note: load the shown view again. */
export function onTokenEntered(fn) { retry = fn; }

/**
 * Shows the token form and resolves with what the user entered, or rejects with
 * TokenDismissed when it is closed without one. Concurrent callers (the first view fires several
 * requests at once) share one form.
 */
export function askToken(refused) {
  if (pending) return pending;
  if (dismissed) return Promise.reject(new TokenDismissed());
  return openForm(refused);
}

/** The "Enter token" buttons: the form again, then the view again. */
export function enterToken() {
  if (pending) return;
  dismissed = false;
  openForm(false).then(() => retry(), () => {});
}

function openForm(refused) {
  const dialog = document.getElementById("token-dialog");
  const form = dialog.querySelector("form");
  const input = form.elements.token;
  const note = dialog.querySelector("[data-role=token-note]");
  const error = dialog.querySelector("[data-role=token-error]");
  note.textContent = refused
    ? "The server refused that token. Enter the one flowtrail serve was started with (--token)."
    : "This server was started with --token. Enter it to read its flows; it is kept for this tab only.";
  input.value = "";
  input.removeAttribute("aria-invalid");
  error.textContent = "";
  error.hidden = true;
  needed(false);
  let settle;
  pending = new Promise((resolve, reject) => { settle = { resolve, reject }; });
  const finish = () => {
    form.removeEventListener("submit", submit);
    dialog.removeEventListener("close", closed);
    pending = null;
  };
  const submit = (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) { input.focus(); return; }
    if (!PRINTABLE.test(value)) {
      error.textContent = "A token is printable ASCII only (no accents, no special spaces); this one has other characters.";
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    finish();
    sessionStorage.setItem(KEY, value);
    dialog.close();
    settle.resolve(value);
  };
  // Escape closes a modal dialog (Chromium does even when `cancel` is prevented), so closing
  // is an answer: no token for now.
  const closed = () => {
    finish();
    dismissed = true;
    needed(true);
    settle.reject(new TokenDismissed());
  };
  form.addEventListener("submit", submit);
  dialog.addEventListener("close", closed);
  dialog.showModal();
  input.focus();
  return pending;
}

/** Shows or hides the "Token needed" note (its button is wired once). */
function needed(show) {
  const note = document.getElementById("token-needed");
  if (!note.dataset.wired) {
    note.querySelector("button").addEventListener("click", enterToken);
    note.dataset.wired = "1";
  }
  note.hidden = !show;
}
