// The bearer token of a server started with --token. Asked once per tab with a small form
// (never prompt(), which blocks the page and cannot say why the last token was refused), kept
// in sessionStorage so a reload in the same tab does not ask again, and dropped with the tab.

const KEY = "flowtrail.token";
let pending = null;

export function token() { return sessionStorage.getItem(KEY) || ""; }

/**
 * Shows the token form and resolves with what the user entered. Concurrent callers (the first
 * view fires several requests at once) share one form.
 */
export function askToken(refused) {
  if (pending) return pending;
  const dialog = document.getElementById("token-dialog");
  const form = dialog.querySelector("form");
  const input = form.elements.token;
  const note = dialog.querySelector("[data-role=token-note]");
  note.textContent = refused
    ? "The server refused that token. Enter the one flowtrail serve was started with (--token)."
    : "This server was started with --token. Enter it to read its flows; it is kept for this tab only.";
  input.value = "";
  pending = new Promise((resolve) => {
    const submit = (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) { input.focus(); return; }
      form.removeEventListener("submit", submit);
      sessionStorage.setItem(KEY, value);
      dialog.close();
      pending = null;
      resolve(value);
    };
    form.addEventListener("submit", submit);
  });
  // A modal dialog keeps focus inside it. Escape is ignored: without a token no request of
  // the page can succeed, so there is nothing to go back to.
  if (!dialog.dataset.wired) {
    dialog.addEventListener("cancel", (e) => e.preventDefault());
    dialog.dataset.wired = "1";
  }
  dialog.showModal();
  input.focus();
  return pending;
}
