// The bearer token of a server started with --token-file: asked once in a small dialog, kept for this tab.
const KEY = "rulerun-workbench-token";
let asking = null; // one dialog for every request refused at the same time

/** The token given in this tab, or null. */
export function storedToken() { return sessionStorage.getItem(KEY); }

/** Forget `token` if it is still the one kept (a refused token is not sent again). */
export function forget(token) { if (storedToken() === token) sessionStorage.removeItem(KEY); }

/** Ask for the token (saying the last one was refused when `refused`); true once one is given, false if cancelled. */
export function askToken(refused) {
  asking ??= new Promise((resolve) => {
    const dialog = document.getElementById("token-dialog");
    const input = document.getElementById("token-input");
    document.getElementById("token-refused").hidden = !refused;
    input.value = "";
    dialog.addEventListener("close", () => {
      const token = input.value.trim();
      input.value = "";
      if (dialog.returnValue === "ok" && token) sessionStorage.setItem(KEY, token);
      asking = null;
      resolve(dialog.returnValue === "ok" && token !== "");
    }, { once: true });
    dialog.returnValue = ""; // Escape closes without setting it: an earlier "ok" must not count
    dialog.showModal();
  });
  return asking;
}
