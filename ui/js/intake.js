// @ts-check
// The Import keys dialog: a .env file, a KeePassXC or Bitwarden export, or a CSV file. Preview
// shows the core's plan row by row (new, kept already, skipped, refused with the line and why);
// Apply stores it all or nothing, and for a .env file can then point the file at the kept keys.

import * as api from "./api.js";
import { $, h, fieldError } from "./dom.js";
import { tokensChanged } from "./store.js";
import * as fmt from "./format.js";
import { toast } from "./toast.js";

/** @typedef {import("./types/IntakePlan").IntakePlan} IntakePlan */
/** @typedef {import("./types/IntakeKind").IntakeKind} IntakeKind */

const PREVIEW_ROWS = 500; // rows drawn; the counts cover all

const actionLabel = { new: "New", held: "Kept already", skipped: "Skipped", name_taken: "Refused", bad: "Refused" };

function openIntake() {
  $("intake-form").reset();
  resetPreview();
  syncKind();
  $("dlg-intake").showModal();
  $("k-path").focus();
}

const kind = () => /** @type {IntakeKind} */ ($("k-kind").value);

function syncKind() {
  $("k-map-field").hidden = kind() !== "csv";
  $("k-rewrite-field").hidden = kind() !== "dotenv";
  resetPreview();
}

function resetPreview() {
  $("intake-preview").hidden = true;
  $("intake-apply").hidden = true;
  ["k-path-error", "intake-error"].forEach((id) => fieldError(id, ""));
}

/** @param {SubmitEvent} event */
async function doPreview(event) {
  event.preventDefault();
  resetPreview();
  const path = $("k-path").value.trim();
  if (!path) {
    fieldError("k-path-error", "File is required: type its full path, or pick it with Browse…");
    $("k-path").focus();
    return;
  }
  const button = $("intake-preview-btn");
  button.disabled = true;
  try {
    const map = kind() === "csv" ? $("k-map").value : null;
    drawPreview(await api.previewIntake(kind(), path, $("k-prefix").value.trim(), map));
  } catch (err) {
    fieldError("intake-error", err.message);
  } finally {
    button.disabled = false;
  }
}

/** @param {IntakePlan} plan */
function drawPreview(plan) {
  const { counts, rows } = plan;
  $("intake-counts").replaceChildren(
    ...[["new", counts.new], ["kept already", counts.held], ["skipped", counts.skipped], ["refused", counts.refused]].map(([label, n]) =>
      h("li", { class: "count", "data-kind": label }, h("strong", {}, fmt.count(Number(n))), ` ${label}`)),
  );
  const shown = rows.slice(0, PREVIEW_ROWS);
  $("intake-rows").replaceChildren(...shown.map((r) =>
    h("tr", { "data-action": r.action },
      h("td", {}, String(r.line)),
      h("td", {}, r.name),
      h("td", {}, r.service ?? ""),
      h("td", { class: "mono" }, r.hint),
      h("td", { class: "small" },
        h("span", { class: r.action === "bad" || r.action === "name_taken" ? "bad" : "" }, actionLabel[r.action] ?? r.action),
        r.action === "held" ? ` as ${r.held_by}` : "",
        r.reason && r.action !== "held" ? `: ${r.reason}` : ""))));
  const hidden = rows.length - shown.length;
  $("intake-more").textContent = hidden ? `${fmt.count(hidden)} more rows are not listed.` : "";
  $("intake-preview").hidden = false;
  if (counts.refused > 0) {
    fieldError("intake-error", `${fmt.count(counts.refused)} row(s) cannot be imported, so nothing will be: fix those lines in the file (or use a prefix), then Preview again.`);
    return;
  }
  if (counts.new === 0 && !(kind() === "dotenv" && $("k-rewrite").checked && counts.held > 0)) {
    $("intake-more").textContent = "Nothing to import: every key in the file is kept already or skipped.";
    return;
  }
  $("intake-apply").textContent = counts.new ? `Apply: keep ${fmt.count(counts.new)} ${counts.new === 1 ? "key" : "keys"}` : "Apply";
  $("intake-apply").hidden = false;
  $("intake-apply").focus();
}

/** Browse…: the system file chooser, starting at the typed path; the choice lands in the field. */
async function browse() {
  fieldError("k-path-error", "");
  const button = /** @type {HTMLButtonElement} */ ($("k-browse"));
  button.disabled = true; // one chooser at a time
  try {
    const chosen = await api.choosePath("env", $("k-path").value);
    if (chosen) {
      $("k-path").value = chosen;
      resetPreview();
    }
  } catch (err) {
    fieldError("k-path-error", err.message);
  } finally {
    button.disabled = false;
  }
}

async function doApply() {
  const button = $("intake-apply");
  button.disabled = true;
  try {
    const { report, rewritten } = await api.applyIntake(kind() === "dotenv" && $("k-rewrite").checked);
    $("dlg-intake").close();
    const n = report.counts.new;
    toast(`Kept ${fmt.count(n)} new ${n === 1 ? "key" : "keys"}${rewritten !== null ? `; the file now references them (${fmt.count(rewritten)} values)` : ""}.`);
    tokensChanged();
  } catch (err) {
    fieldError("intake-error", err.message);
    $("intake-apply").hidden = true;
  } finally {
    button.disabled = false;
  }
}

export function initIntake() {
  $("open-intake").addEventListener("click", openIntake);
  $("intake-form").addEventListener("submit", doPreview);
  $("k-browse").addEventListener("click", browse);
  $("k-kind").addEventListener("change", syncKind);
  ["k-path", "k-prefix", "k-map"].forEach((id) => $(id).addEventListener("input", resetPreview));
  $("k-rewrite").addEventListener("change", resetPreview);
  $("intake-apply").addEventListener("click", doApply);
  $("intake-cancel").addEventListener("click", () => $("dlg-intake").close());
  $("dlg-intake").addEventListener("close", () => api.cancelIntake().catch(() => {}));
}
