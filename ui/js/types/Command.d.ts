// From src-tauri/src/command_list.rs. Regenerate: TOKENKEEPER_WRITE_TYPES=1 cargo test -p tokenkeeper --lib ipc_types

/**
 * A command of the window: the one list in src-tauri/src/command_list.rs.
 */
export type Command = "dashboard_page" | "generate_token" | "add_token" | "show_token" | "edit_token" | "set_token_enabled" | "rotate_token" | "delete_token" | "reveal_token" | "copy_token" | "copy_text" | "services" | "settings" | "update_settings" | "about" | "public_key" | "passphrase_hint" | "suggested_export_path" | "export_vault" | "vault_file_kind" | "preview_import" | "apply_import" | "cancel_import" | "trust_signer" | "member_key" | "team_list" | "team_add" | "team_remove" | "preview_intake" | "apply_intake" | "cancel_intake" | "scan_folder" | "choose_path" | "write_calendar";
