//! Bitwarden's unencrypted JSON export as an import source (the schema of Bitwarden's "Condition
//! a Bitwarden .csv or .json" help page: `folders[]`, `items[]` with `type` 1 login, 2 secure
//! note, 3 card, 4 identity, 5 SSH key, and `login.username/password/uris`). Each login with a
//! password becomes a row named after the item; other types are skipped. An encrypted export
//! (`"encrypted": true`) is refused: export again as JSON (not encrypted).

use std::collections::HashMap;
use std::path::Path;

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{
    default_description, formats, host_of, qualify_repeated_names, IntakeSource, SourceRow,
    MAX_INTAKE_ROWS,
};
use crate::error::{Error, InputError, Result};

#[derive(Deserialize)]
struct Export<'a> {
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    folders: Vec<Folder>,
    #[serde(borrow)]
    items: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct Folder {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(rename = "type")]
    kind: u8,
    #[serde(default)]
    name: String,
    folder_id: Option<String>,
    login: Option<Login>,
}

#[derive(Deserialize)]
struct Login {
    username: Option<String>,
    password: Option<SecretString>,
    #[serde(default)]
    uris: Option<Vec<Uri>>,
}

#[derive(Deserialize)]
struct Uri {
    uri: Option<String>,
}

/// The rows of a Bitwarden JSON export. Each row's line is the line its item starts on.
pub fn rows(path: &Path, text: &str, prefix: Option<&str>) -> Result<Vec<SourceRow>> {
    let bad = |line: usize, why: &str| -> Error {
        InputError::ImportFile {
            path: path.to_path_buf(),
            line,
            why: why.to_string(),
        }
        .into()
    };
    let export: Export = serde_json::from_str(text).map_err(|e| {
        bad(
            e.line(),
            "is not a Bitwarden JSON export (an object with \"items\"); export the vault \
             again as .json",
        )
    })?;
    if export.encrypted {
        return Err(bad(
            1,
            "is an encrypted Bitwarden export; export the vault again choosing the .json \
             format (not \".json (Encrypted)\")",
        ));
    }
    let Some(items) = export.items else {
        return Err(bad(
            1,
            "has no \"items\" list, so it is not a Bitwarden vault export",
        ));
    };
    if items.len() > MAX_INTAKE_ROWS {
        return Err(InputError::TooManyImportRows {
            rows: items.len(),
            max: MAX_INTAKE_ROWS,
        }
        .into());
    }
    let folders: HashMap<&str, &str> = export
        .folders
        .iter()
        .map(|f| (f.id.as_str(), f.name.as_str()))
        .collect();
    let base = text.as_ptr() as usize;
    let mut groups = Vec::with_capacity(items.len());
    let mut rows = Vec::with_capacity(items.len());
    for raw in items {
        let offset = raw.get().as_ptr() as usize - base;
        let line = 1 + text.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        let item: Item = serde_json::from_str(raw.get()).map_err(|_| {
            bad(
                line,
                "is an item that does not follow Bitwarden's schema (a \"type\" number, a \
                 \"name\", and for a login a \"login\" object)",
            )
        })?;
        let folder = item
            .folder_id
            .as_deref()
            .and_then(|id| folders.get(id))
            .map(|s| s.to_string())
            .unwrap_or_default();
        let (username, password, uri) = match item.login {
            Some(l) => (
                l.username.unwrap_or_default(),
                l.password
                    .unwrap_or_else(|| SecretString::from(String::new())),
                l.uris
                    .unwrap_or_default()
                    .into_iter()
                    .find_map(|u| u.uri)
                    .unwrap_or_default(),
            ),
            None => (
                String::new(),
                SecretString::from(String::new()),
                String::new(),
            ),
        };
        let mut row = SourceRow::new(line, item.name.trim().to_string(), password);
        row.service = formats::service_of(&row.secret)
            .map(str::to_string)
            .or_else(|| host_of(&uri));
        let mut description = default_description(IntakeSource::Bitwarden);
        if !folder.is_empty() {
            description.push_str(&format!(", folder {folder}"));
        }
        if !username.trim().is_empty() {
            description.push_str(&format!(", user {}", username.trim()));
        }
        row.description = description;
        use secrecy::ExposeSecret;
        row.skipped = match item.kind {
            1 if row.secret.expose_secret().trim().is_empty() => {
                Some("the login has no password".into())
            }
            1 => None,
            2 => Some("a secure note, not a login".into()),
            3 => Some("a card, not a login".into()),
            4 => Some("an identity, not a login".into()),
            5 => Some("an SSH key, not a login".into()),
            _ => Some("not a login".into()),
        };
        if row.skipped.is_none() && row.name.is_empty() {
            row.refused = Some("the item has no name; give it one in Bitwarden".into());
        }
        groups.push(folder);
        rows.push(row);
    }
    qualify_repeated_names(&mut rows, &groups);
    super::apply_prefix(&mut rows, prefix);
    Ok(rows)
}
