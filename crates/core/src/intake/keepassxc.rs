//! KeePassXC's exports as an import source: the XML (`keepassxc-cli export --format xml`, the
//! KeePass 2 XML schema) and the CSV (`--format csv`: Group, Title, Username, Password, URL,
//! Notes, TOTP, Icon, Last Modified, Created). Each entry with a password becomes a row named
//! after its title; entries in the Recycle Bin and older versions (an entry's History) are left
//! out, and entries without a password are skipped.

use std::path::Path;

use secrecy::SecretString;

use super::{
    default_description, formats, host_of, qualify_repeated_names, IntakeSource, SourceRow,
    MAX_INTAKE_ROWS,
};
use crate::error::{Error, InputError, Result};

/// KeePassXC's name for the Recycle Bin group in a CSV export (the XML names it by UUID).
const RECYCLE_BIN: &str = "Recycle Bin";

/// One entry as both exports give it.
struct KpEntry {
    line: usize,
    group: String,
    title: String,
    username: String,
    password: SecretString,
    url: String,
    in_recycle_bin: bool,
}

/// The first child of `n` named `tag`.
fn child<'a, 'input>(
    n: roxmltree::Node<'a, 'input>,
    tag: &str,
) -> Option<roxmltree::Node<'a, 'input>> {
    n.children().find(|c| c.has_tag_name(tag))
}

/// The rows of a KeePassXC XML export. `prefix`, if given, goes before each name (`P_Title`).
pub fn rows_from_xml(path: &Path, text: &str, prefix: Option<&str>) -> Result<Vec<SourceRow>> {
    let bad = |line: usize, why: String| -> Error {
        InputError::ImportFile {
            path: path.to_path_buf(),
            line,
            why,
        }
        .into()
    };
    // roxmltree refuses a DTD by default, so no entity can expand or reach outside the file.
    let doc = roxmltree::Document::parse(text).map_err(|e| {
        bad(
            e.pos().row as usize,
            "is not well-formed XML; export the database again with `keepassxc-cli export \
             --format xml`"
                .into(),
        )
    })?;
    let line_of = |n: roxmltree::Node| doc.text_pos_at(n.range().start).row as usize;
    let top = doc.root_element();
    if !top.has_tag_name("KeePassFile") {
        return Err(bad(
            line_of(top),
            "is not a KeePass XML export (it has no <KeePassFile>); export with \
             `keepassxc-cli export --format xml`"
                .into(),
        ));
    }
    let text_of = |n: Option<roxmltree::Node>| n.and_then(|n| n.text()).unwrap_or("").to_string();
    let meta = child(top, "Meta");
    let recycle_enabled = meta
        .and_then(|m| child(m, "RecycleBinEnabled"))
        .and_then(|n| n.text())
        .is_none_or(|t| t.eq_ignore_ascii_case("true"));
    let recycle_uuid = meta
        .and_then(|m| child(m, "RecycleBinUUID"))
        .and_then(|n| n.text())
        .filter(|u| recycle_enabled && !u.trim_start_matches('A').trim_end_matches('=').is_empty())
        .map(str::to_string);
    let Some(root) = child(top, "Root") else {
        return Err(bad(
            line_of(top),
            "has no <Root> group, so no entries".into(),
        ));
    };

    let mut entries = Vec::new();
    // Depth-first over groups: (group node, its path, inside the Recycle Bin).
    // The top group is the database itself ("Root", or "Passwords" in newer KeePassXC): paths
    // start below it, as KeePassXC shows them.
    let mut stack: Vec<(roxmltree::Node, Option<String>, bool)> = root
        .children()
        .filter(|c| c.has_tag_name("Group"))
        .map(|g| (g, None, false))
        .collect();
    stack.reverse();
    while let Some((group, parent, binned)) = stack.pop() {
        let name = text_of(child(group, "Name"));
        let path = match parent {
            None => String::new(),
            Some(p) if p.is_empty() => name,
            Some(p) => format!("{p}/{name}"),
        };
        let uuid = child(group, "UUID").and_then(|n| n.text());
        let binned = binned || (recycle_uuid.is_some() && uuid == recycle_uuid.as_deref());
        for entry in group.children().filter(|c| c.has_tag_name("Entry")) {
            if entries.len() > MAX_INTAKE_ROWS {
                break;
            }
            let mut e = KpEntry {
                line: line_of(entry),
                group: path.clone(),
                title: String::new(),
                username: String::new(),
                password: SecretString::from(String::new()),
                url: String::new(),
                in_recycle_bin: binned,
            };
            for s in entry.children().filter(|c| c.has_tag_name("String")) {
                let key = text_of(child(s, "Key"));
                let value = text_of(child(s, "Value"));
                match key.as_str() {
                    "Title" => e.title = value,
                    "UserName" => e.username = value,
                    "Password" => e.password = SecretString::from(value),
                    "URL" => e.url = value,
                    _ => {}
                }
            }
            entries.push(e);
        }
        let mut subgroups: Vec<_> = group
            .children()
            .filter(|c| c.has_tag_name("Group"))
            .map(|g| (g, Some(path.clone()), binned))
            .collect();
        subgroups.reverse();
        stack.extend(subgroups);
    }
    Ok(to_rows(entries, IntakeSource::KeepassxcXml, prefix))
}

/// The rows of a KeePassXC CSV export.
pub fn rows_from_csv(path: &Path, text: &str, prefix: Option<&str>) -> Result<Vec<SourceRow>> {
    let table = super::csv::Table::read(path, text)?;
    let col = |name: &str| table.column(path, name);
    let (group, title, username, password, url) = (
        col("Group")?,
        col("Title")?,
        col("Username")?,
        col("Password")?,
        col("URL")?,
    );
    let entries = table
        .records
        .iter()
        .map(|r| {
            // The first part of the path is the database's top group; paths start below it.
            let group = r
                .field(group)
                .split_once('/')
                .map(|(_, below)| below.to_string())
                .unwrap_or_default();
            KpEntry {
                line: r.line,
                in_recycle_bin: group.split('/').next() == Some(RECYCLE_BIN),
                group,
                title: r.field(title).to_string(),
                username: r.field(username).to_string(),
                password: SecretString::from(r.field(password).to_string()),
                url: r.field(url).to_string(),
            }
        })
        .collect();
    Ok(to_rows(entries, IntakeSource::KeepassxcCsv, prefix))
}

fn to_rows(entries: Vec<KpEntry>, source: IntakeSource, prefix: Option<&str>) -> Vec<SourceRow> {
    use secrecy::ExposeSecret;
    let groups: Vec<String> = entries.iter().map(|e| e.group.clone()).collect();
    let mut rows: Vec<SourceRow> = entries
        .into_iter()
        .map(|e| {
            let mut row = SourceRow::new(e.line, e.title.trim().to_string(), e.password);
            row.service = formats::service_of(&row.secret)
                .map(str::to_string)
                .or_else(|| host_of(&e.url));
            let mut description = default_description(source);
            if !e.group.is_empty() {
                description.push_str(&format!(", group {}", e.group));
            }
            if !e.username.trim().is_empty() {
                description.push_str(&format!(", user {}", e.username.trim()));
            }
            row.description = description;
            if e.in_recycle_bin {
                row.skipped = Some("in the Recycle Bin".into());
            } else if row.secret.expose_secret().trim().is_empty() {
                row.skipped = Some("the entry has no password".into());
            } else if row.name.is_empty() {
                row.refused = Some("the entry has no title; give it one in KeePassXC".into());
            }
            row
        })
        .collect();
    qualify_repeated_names(&mut rows, &groups);
    super::apply_prefix(&mut rows, prefix);
    rows
}
