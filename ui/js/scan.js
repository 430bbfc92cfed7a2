// @ts-check
// The "Scan a folder…" page: the leak sweep over a typed folder (and its git history), its
// findings in a table with the next step for each leaked token. Never shows a secret: the core
// sends where a key was found, the token's name and hint, nothing else.

import * as api from "./api.js";
import { $, h, fieldError } from "./dom.js";

export function initScan() {
  $("scan-form").addEventListener("submit", (/** @type {Event} */ event) => {
    event.preventDefault();
    runScan();
  });
  $("scan-browse").addEventListener("click", browseFolder);
}

/** Browse…: the system folder chooser, starting at the typed path; the choice lands in the field. */
async function browseFolder() {
  fieldError("scan-path-error", "");
  const button = $("scan-browse");
  button.disabled = true; // one chooser at a time
  try {
    const chosen = await api.choosePath("folder", $("scan-path").value);
    if (chosen) $("scan-path").value = chosen;
  } catch (err) {
    fieldError("scan-path-error", /** @type {any} */ (err).message);
  } finally {
    button.disabled = false;
  }
}

export function openScan() {
  $("scan-path").focus();
}

/** `tok rotate NAME --grace now`, NAME as one shell word. @param {string} name */
function rotateCommand(name) {
  const word = /^[A-Za-z0-9._,:@%+=\/-]+$/.test(name) ? name : `'${name.replaceAll("'", "'\\''")}'`;
  return name.startsWith("-") ? `tok rotate --grace now -- ${word}` : `tok rotate ${word} --grace now`;
}

/** @param {number} n @param {string} one @param {string} many */
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

async function runScan() {
  fieldError("scan-path-error", "");
  const button = $("scan-run");
  button.disabled = true;
  button.textContent = "Scanning…";
  $("scan-results").hidden = true;
  /** @type {import("./types/ScanReport").ScanReport} */
  let report;
  try {
    report = await api.scanFolder($("scan-path").value, $("scan-git").checked);
  } catch (err) {
    fieldError("scan-path-error", /** @type {any} */ (err).message);
    return;
  } finally {
    button.disabled = false;
    button.textContent = "Scan";
  }
  const found = report.findings;
  const tokens = new Set(found.map((f) => f.token_id));
  $("scan-summary").textContent = found.length
    ? `Found ${plural(found.length, "copy", "copies")} of ${plural(tokens.size, "key", "keys")} you hold. Rotate each one so the copies stop working.`
    : "No key you hold was found.";
  $("scan-table").hidden = found.length === 0;
  $("scan-rows").replaceChildren(...found.map((f) => h("tr", { "data-token": f.token_name },
    h("td", {}, h("a", { href: `#/token/${encodeURIComponent(f.token_id)}` }, f.token_name)),
    h("td", {}, h("code", {}, f.hint)),
    h("td", {}, h("code", { class: "wrap" }, f.path)),
    h("td", {}, `${f.line}:${f.column}`),
    h("td", {}, f.commit ? h("code", { title: f.commit }, f.commit.slice(0, 12)) : "working tree"),
    h("td", {}, h("code", { class: "wrap" }, rotateCommand(f.token_name))),
  )));
  const covered = [`Scanned ${plural(report.files_scanned, "file", "files")}`];
  if (report.blobs_scanned) covered.push(`${plural(report.blobs_scanned, "version", "versions")} of files in history`);
  let text = `${covered.join(" and ")} for ${plural(report.keys_searched, "key", "keys")}.`;
  if (report.binary_skipped) text += ` Skipped ${plural(report.binary_skipped, "binary file", "binary files")}.`;
  if (report.keys_not_searchable) text += ` ${plural(report.keys_not_searchable, "key", "keys")} could not be looked for (shorter than 8 characters, or kept without a secret).`;
  if (report.skipped.length) text += ` Not read: ${report.skipped.map((s) => `${s.path} (${s.reason})`).join("; ")}.`;
  $("scan-covered").textContent = text;
  $("scan-results").hidden = false;
}
