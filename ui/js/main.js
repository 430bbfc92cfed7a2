// Entry module of the Tokenkeeper window. The dashboard modules (dashboard.js, drawer.js, ...)
// will be imported from here; for now it only confirms that the Tauri bridge is present.

const status = document.getElementById("status");

if (status) {
  status.textContent = window.__TAURI__
    ? "Desktop shell ready."
    : "Open this page through the Tokenkeeper app.";
}
