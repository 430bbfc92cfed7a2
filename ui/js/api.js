// The only module that talks to the Rust side. Every other module calls these typed functions;
// a failed command rejects with an ApiError carrying the core's {kind, message}.

export class ApiError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

async function call(command, args = {}) {
  const tauri = window.__TAURI__;
  if (!tauri) {
    throw new ApiError("no_shell", "Open this page through the Tokenkeeper app; the browser cannot reach your tokens.");
  }
  try {
    return await tauri.core.invoke(command, args);
  } catch (err) {
    if (err && typeof err === "object" && "kind" in err) throw new ApiError(err.kind, err.message);
    throw new ApiError("ipc", String(err));
  }
}

/**
 * One window of the tokens matching `query`: {rows, total, offset, summary, timeline,
 * warning_days}. `limit` is at most 500; past the end, rows is empty and total still counts.
 */
export const dashboardPage = (query, offset, limit) => call("dashboard_page", { query, offset, limit });
/** Generates a token; resolves to {token, secret, vault_id} for the show-once dialog. */
export const generateToken = (input) => call("generate_token", { input });
/** Stores a key the user already has. */
export const addToken = (input, key) => call("add_token", { input, key });
export const showToken = (id) => call("show_token", { id });
export const editToken = (id, input) => call("edit_token", { id, input });
export const setTokenEnabled = (id, enabled) => call("set_token_enabled", { id, enabled });
/** grace: none | one_hour | one_day | seven_days. key: the new value, for imported keys. */
export const rotateToken = (id, grace, key) => call("rotate_token", { id, grace, key: key ?? null });
export const deleteToken = (id) => call("delete_token", { id });
/** The kept secret, to show in place. */
export const revealToken = (id) => call("reveal_token", { id });
/** Copies the kept secret on the Rust side; resolves to the seconds until it is cleared. */
export const copyToken = (id) => call("copy_token", { id });
/** Copies a value the page shows (show-once token, vault id); cleared like every copy. */
export const copyText = (value) => call("copy_text", { value });
export const services = () => call("services");
export const settings = () => call("settings");
export const updateSettings = (s) => call("update_settings", { settings: s });
export const about = () => call("about");

// --- team vault file ---------------------------------------------------------------------------
/** This install's age public key (age1...), made on first use. */
export const publicKey = () => call("public_key");
/** {score 0-4, hint} for a passphrase. */
export const passphraseHint = (passphrase) => call("passphrase_hint", { passphrase });
export const suggestedExportPath = () => call("suggested_export_path");
/** to: {kind: "passphrase", passphrase} or {kind: "recipients", recipients, include_me}. */
export const exportVault = (path, to) => call("export_vault", { path, to });
/** "passphrase" or "recipients". */
export const vaultFileKind = (path) => call("vault_file_kind", { path });
export const previewImport = (path, passphrase) => call("preview_import", { path, passphrase: passphrase ?? null });
/** Applies the last preview; onProgress(done, total) as it goes. */
/** confirmDestructive: the user's yes to the deletions and replaced secrets Apply named. */
export function applyImport(takeTheirs, confirmDestructive, onProgress) {
  const channel = new window.__TAURI__.core.Channel();
  channel.onmessage = (p) => onProgress(p.done, p.total);
  return call("apply_import", { takeTheirs, confirmDestructive, onProgress: channel });
}
/** Trusts the previewed file's signer (adds them to the team as `name`); the new preview. */
export const trustSigner = (name) => call("trust_signer", { name: name ?? null });
export const cancelImport = () => call("cancel_import");

// --- team --------------------------------------------------------------------------------------
/** {member_key, fingerprint} of this install, made on first use. */
export const memberKey = () => call("member_key");
export const teamList = () => call("team_list");
export const teamAdd = (name, memberKey) => call("team_add", { name, memberKey });
export const teamRemove = (name) => call("team_remove", { name });
