// @ts-check
// The Export and Import dialogs for the team vault file (.tkvault). Export checks the passphrase
// (confirmation, strength hint) or the recipients before writing; Import previews the merge in a
// table and applies it only when asked, with a progress bar.

import * as api from "./api.js";
import { $, h, fieldError } from "./dom.js";
import { tokensChanged } from "./store.js";
import { busy } from "./dialogs.js";
import * as fmt from "./format.js";
import { toast } from "./toast.js";

/** @typedef {import("./types/MergePlan").MergePlan} MergePlan */
/** @typedef {import("./types/MergeRow").MergeRow} MergeRow */

const WEAK_BELOW = 3; // the core's threshold (passphrase::WEAK_BELOW)
const PREVIEW_ROWS = 500; // rows drawn in the preview table; the counts cover all

// --- export ----------------------------------------------------------------------------------

export async function openExport() {
  const form = $("export-form");
  form.reset();
  ["x-pass-error", "x-confirm-error", "x-recipients-error", "x-path-error", "export-error"].forEach((id) => fieldError(id, ""));
  $("x-meter").value = 0;
  $("x-strength").textContent = "";
  syncExportTarget();
  showTeamSize();
  $("dlg-export").showModal();
  $("x-pass").focus();
  try {
    $("x-path").value = await api.suggestedExportPath();
  } catch {
    // The user types a path instead.
  }
}

const exportTarget = () => new FormData($("export-form")).get("export-to");

function syncExportTarget() {
  $("export-pass").hidden = exportTarget() !== "passphrase";
  $("export-recipients").hidden = exportTarget() !== "recipients";
}

/** "(3 members)" beside the My team choice, which needs at least one member. */
async function showTeamSize() {
  try {
    const n = (await api.teamList()).length;
    $("x-team-count").textContent = n ? `(${fmt.count(n)} ${n === 1 ? "member" : "members"} and you)` : "(add members on the Team page first)";
    $("x-to-team").disabled = n === 0;
  } catch {
    $("x-team-count").textContent = "";
  }
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let hintTimer;
function onPassInput() {
  clearTimeout(hintTimer);
  const value = $("x-pass").value;
  fieldError("x-pass-error", "");
  if (!value) {
    $("x-meter").value = 0;
    $("x-strength").textContent = "";
    return;
  }
  hintTimer = setTimeout(async () => {
    const { score, hint } = await api.passphraseHint(value);
    if ($("x-pass").value !== value) return;
    $("x-meter").value = score;
    $("x-strength").textContent = score < WEAK_BELOW ? `Weak: ${hint}` : hint || "Strong";
    $("x-strength").classList.toggle("bad", score < WEAK_BELOW);
  }, 150);
}

/** @param {SubmitEvent} event */
async function doExport(event) {
  event.preventDefault();
  ["x-pass-error", "x-confirm-error", "x-recipients-error", "x-path-error", "export-error"].forEach((id) => fieldError(id, ""));
  const path = $("x-path").value.trim();
  /** @type {import("./types/ExportTo").ExportTo} */
  let to;
  let ok = true;
  if (!path) {
    fieldError("x-path-error", "Choose where to save the file: type its full path, or pick it with Browse…");
    ok = false;
  }
  if (exportTarget() === "passphrase") {
    const pass = $("x-pass").value;
    if (!pass) {
      fieldError("x-pass-error", "Passphrase is required: anyone who has it can open the file");
      ok = false;
    } else if (pass !== $("x-confirm").value) {
      fieldError("x-confirm-error", "The two passphrases differ; type the same one twice");
      ok = false;
    }
    to = { kind: "passphrase", passphrase: pass };
  } else if (exportTarget() === "team") {
    to = { kind: "team" };
  } else {
    const recipients = $("x-recipients").value.split(/[\s,]+/).filter(Boolean);
    const includeMe = $("x-include-me").checked;
    if (!recipients.length && !includeMe) {
      fieldError("x-recipients-error", "Add at least one public key (age1…), or include your own");
      ok = false;
    }
    to = { kind: "recipients", recipients, include_me: includeMe };
  }
  if (!ok) {
    $("export-form").querySelector("[aria-invalid]")?.focus();
    return;
  }
  const dlg = $("dlg-export");
  $("export-progress").hidden = false;
  await busy(dlg, async () => {
    try {
      const s = await api.exportVault(path, to);
      dlg.close();
      toast(`Exported ${fmt.count(s.tokens)} tokens (${fmt.count(s.secrets)} with their secret) to ${path}.`);
      tokensChanged();
    } catch (err) {
      if (err.kind === "invalid_input" && /age1|public key|recipient/i.test(err.message)) fieldError("x-recipients-error", err.message);
      else fieldError("export-error", err.message);
    } finally {
      $("export-progress").hidden = true;
    }
  });
}

/**
 * Browse…: the system chooser for `purpose`, starting at the typed path; the chosen path lands in
 * the field (the user can still edit it). Resolves to whether a path was chosen.
 * @param {"export" | "import"} purpose
 * @param {string} fieldId
 * @param {string} errorId
 * @returns {Promise<boolean>}
 */
async function browse(purpose, fieldId, errorId) {
  fieldError(errorId, "");
  const button = /** @type {HTMLButtonElement} */ ($(purpose === "export" ? "x-browse" : "i-browse"));
  button.disabled = true; // one chooser at a time
  try {
    const chosen = await api.choosePath(purpose, $(fieldId).value);
    if (!chosen) return false;
    $(fieldId).value = chosen;
    return true;
  } catch (err) {
    fieldError(errorId, err.message);
    return false;
  } finally {
    button.disabled = false;
  }
}

// --- import ----------------------------------------------------------------------------------

let previewed = false;
/** @type {MergePlan | null} */
let plan = null; // the preview as last drawn

export function openImport() {
  $("import-form").reset();
  resetPreview();
  $("i-pass-field").hidden = true;
  $("dlg-import").showModal();
  $("i-path").focus();
}

function resetPreview() {
  previewed = false;
  plan = null;
  $("import-trust").hidden = true;
  $("import-signer").textContent = "";
  $("import-preview").hidden = true;
  $("import-apply").hidden = true;
  $("import-progress").hidden = true;
  $("import-progress").value = 0;
  ["i-path-error", "i-pass-error", "import-error", "i-trust-error"].forEach((id) => fieldError(id, ""));
}

const changeLabel = { new: "New", updated: "Updated", unchanged: "Unchanged", deleted: "Deleted", conflict: "Conflict" };

/** @param {SubmitEvent} event */
async function doPreview(event) {
  event.preventDefault();
  resetPreview();
  const path = $("i-path").value.trim();
  if (!path) {
    fieldError("i-path-error", "Vault file is required: type the full path of the .tkvault file, or pick it with Browse…");
    $("i-path").focus();
    return;
  }
  const button = $("import-preview-btn");
  button.disabled = true;
  try {
    const kind = await api.vaultFileKind(path);
    const needsPass = kind === "passphrase";
    $("i-pass-field").hidden = !needsPass;
    if (needsPass && !$("i-pass").value) {
      fieldError("i-pass-error", "This file is protected by a passphrase; enter it, then Preview again");
      $("i-pass").focus();
      return;
    }
    const plan = await api.previewImport(path, needsPass ? $("i-pass").value : null);
    drawPreview(plan);
  } catch (err) {
    if (err.kind === "bad_passphrase") fieldError("i-pass-error", err.message);
    else if (err.kind === "invalid_input" && err.message.includes("could not be read")) fieldError("i-path-error", err.message);
    else fieldError("import-error", err.message);
  } finally {
    button.disabled = false;
  }
}

const destructiveLabel = {
  deletes_token: "Deletes this token here",
  replaces_secret: "Replaces the secret kept here",
  removes_secret: "Removes the secret kept here",
};

/** @param {MergePlan} next */
function drawPreview(next) {
  previewed = true;
  plan = next;
  const { source, counts, rows, signer } = plan;
  $("import-signer").textContent = `This file is ${signer.description}.`;
  $("import-signer").classList.toggle("bad", !signer.trusted);
  $("import-trust").hidden = signer.trusted;
  if (!signer.trusted) $("i-trust-name").value = signer.claimed_name;
  $("import-source").textContent =
    `${fmt.count(source.tokens)} tokens exported by ${source.exported_by} on ${fmt.dateTime(source.exported_at)} (vault ${source.vault_id}).`;
  $("import-counts").replaceChildren(
    .../** @type {Array<keyof MergePlan["counts"]>} */ (["new", "updated", "unchanged", "deleted", "conflicts"]).map((k) =>
      h("li", { class: `count count--${k}`, "data-kind": k }, h("strong", {}, fmt.count(counts[k])), ` ${k}`)),
  );
  const interesting = rows.filter((r) => r.change !== "unchanged");
  const shown = interesting.slice(0, PREVIEW_ROWS);
  $("import-rows").replaceChildren(...shown.map((r) =>
    h("tr", { "data-change": r.change },
      h("td", {}, h("span", { class: `change change--${r.change}` }, changeLabel[r.change] ?? r.change)),
      h("td", {}, r.name),
      h("td", {}, r.service ?? ""),
      h("td", { class: "small" }, r.reason, r.destructive ? h("strong", { class: "bad destructive" }, ` ${destructiveLabel[r.destructive]}.`) : ""),
      h("td", {}, r.conflict === "both_edited"
        ? h("input", { type: "checkbox", "data-id": r.id, "aria-label": `Take their version of ${r.name}` })
        : ""))));
  const hidden = rows.length - shown.length;
  $("import-more").textContent = hidden ? `${fmt.count(hidden)} more (unchanged ones and beyond the first ${PREVIEW_ROWS}) are not listed.` : "";
  $("import-preview").hidden = false;
  const nothing = counts.new + counts.updated + counts.deleted + counts.conflicts === 0;
  $("import-apply").hidden = nothing || !signer.trusted;
  labelApply();
  if (nothing) $("import-more").textContent = "Nothing to import: everything in the file is already here.";
  else if (!signer.trusted) $("i-trust-name").focus();
  else $("import-apply").focus();
}

const plural = (/** @type {number} */ n, /** @type {string} */ one, /** @type {string} */ many) => `${fmt.count(n)} ${n === 1 ? one : many}`;

/**
 * The rows Apply would destroy something for, with the take-theirs boxes as ticked now.
 * @returns {MergeRow[]}
 */
function destructiveRows() {
  if (!plan) return [];
  const taken = new Set(takenTheirs());
  return plan.rows.filter((r) => r.destructive && (r.change !== "conflict" || taken.has(r.id)));
}

/** Apply names what it will delete or replace: pressing it is the user's yes to exactly that. */
function labelApply() {
  const rows = destructiveRows();
  const deletes = rows.filter((r) => r.destructive === "deletes_token").length;
  const replaces = rows.length - deletes;
  const parts = [];
  if (deletes) parts.push(`delete ${plural(deletes, "token", "tokens")}`);
  if (replaces) parts.push(`replace ${plural(replaces, "kept secret", "kept secrets")}`);
  const button = $("import-apply");
  button.textContent = parts.length ? `Apply and ${parts.join(" and ")}` : "Apply";
  button.classList.toggle("btn--danger", parts.length > 0);
  button.classList.toggle("btn--primary", parts.length === 0);
}

async function doTrust() {
  fieldError("i-trust-error", "");
  const name = $("i-trust-name").value.trim();
  if (!name) {
    fieldError("i-trust-error", "Name is required: how you know the signer");
    $("i-trust-name").focus();
    return;
  }
  await busy($("dlg-import"), async () => {
    try {
      const next = await api.trustSigner(name);
      drawPreview(next);
      toast(`Trusted ${name}'s key; they are now on your team.`);
    } catch (err) {
      fieldError("i-trust-error", err.message);
    }
  });
}

/**
 * The ids of the conflicts whose take-theirs box is ticked.
 * @returns {string[]}
 */
function takenTheirs() {
  /** @type {NodeListOf<HTMLInputElement>} */
  const ticked = document.querySelectorAll("#import-rows input[type=checkbox]:checked");
  return [...ticked].map((c) => /** @type {string} */ (c.dataset.id));
}

async function doApply() {
  if (!previewed) return;
  const takeTheirs = takenTheirs();
  const dlg = $("dlg-import");
  const bar = $("import-progress");
  bar.hidden = false;
  bar.removeAttribute("value"); // indeterminate until the first report
  await busy(dlg, async () => {
    try {
      const r = await api.applyImport(takeTheirs, destructiveRows().length > 0, (done, total) => {
        bar.max = Math.max(1, total);
        bar.value = done;
      });
      previewed = false;
      dlg.close();
      const parts = [`${r.added} added`, `${r.updated} updated`, `${r.deleted} deleted`];
      if (r.taken_theirs) parts.push(`${r.taken_theirs} conflicts taken from the file`);
      if (r.skipped_conflicts) parts.push(`${r.skipped_conflicts} conflicts skipped (yours kept)`);
      toast(`Imported: ${parts.join(", ")}.`);
      tokensChanged();
    } catch (err) {
      fieldError("import-error", `${err.message} Nothing was changed.`);
      previewed = false;
      $("import-apply").hidden = true;
    } finally {
      bar.hidden = true;
    }
  });
}

export function initVaultFile() {
  $("open-export").addEventListener("click", openExport);
  $("open-import").addEventListener("click", openImport);
  $("export-form").addEventListener("submit", doExport);
  $("export-form").addEventListener("change", (/** @type {{target: HTMLInputElement}} */ e) => e.target.name === "export-to" && syncExportTarget());
  $("x-pass").addEventListener("input", onPassInput);
  $("x-confirm").addEventListener("input", () => fieldError("x-confirm-error", ""));
  $("export-cancel").addEventListener("click", () => $("dlg-export").close());
  $("dlg-export").addEventListener("close", () => { $("x-pass").value = ""; $("x-confirm").value = ""; });
  $("x-browse").addEventListener("click", async () => {
    if (await browse("export", "x-path", "x-path-error")) $("export-confirm").focus();
  });
  $("i-browse").addEventListener("click", async () => {
    if (!(await browse("import", "i-path", "i-path-error"))) return;
    resetPreview();
    $("import-preview-btn").focus();
  });
  $("import-form").addEventListener("submit", doPreview);
  $("i-path").addEventListener("input", resetPreview);
  $("import-apply").addEventListener("click", doApply);
  $("import-trust-btn").addEventListener("click", doTrust);
  $("import-rows").addEventListener("change", labelApply);
  $("import-cancel").addEventListener("click", () => $("dlg-import").close());
  $("dlg-import").addEventListener("close", () => {
    $("i-pass").value = "";
    if (previewed) api.cancelImport().catch(() => {});
    previewed = false;
  });
}
