//! CSV files as an import source: a header row, then one key per record, with a column mapping
//! that says which column holds what (`name=Title,secret=Password,service=URL`). Also the CSV
//! reading KeePassXC's CSV export shares. RFC 4180 quoting (with line breaks inside quotes) is
//! the csv crate's; records are reported by the line they start on.

use std::path::Path;

use secrecy::SecretString;

use super::{default_description, formats, host_of, IntakeSource, SourceRow, MAX_INTAKE_ROWS};
use crate::error::{Error, InputError, Result};

/// A CSV file read whole: its header and records.
pub(crate) struct Table {
    headers: Vec<String>,
    pub(crate) records: Vec<Record>,
}

/// One record and the line it starts on.
pub(crate) struct Record {
    pub(crate) line: usize,
    fields: csv::StringRecord,
}

impl Record {
    /// The field in column `i` ("" when the record is shorter).
    pub(crate) fn field(&self, i: usize) -> &str {
        self.fields.get(i).unwrap_or("")
    }
}

impl Table {
    /// Reads a CSV text with a header row. Every record must have as many fields as the header.
    pub(crate) fn read(path: &Path, text: &str) -> Result<Table> {
        let bad = |line: u64, why: String| -> Error {
            InputError::ImportFile {
                path: path.to_path_buf(),
                line: line as usize,
                why,
            }
            .into()
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| bad(1, csv_problem(&e)))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if headers.iter().all(String::is_empty) {
            return Err(bad(
                1,
                "has no header row; the first line names the columns".into(),
            ));
        }
        let mut records = Vec::new();
        for result in reader.records() {
            let fields = result.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                bad(line, csv_problem(&e))
            })?;
            let line = fields.position().map_or(0, |p| p.line()) as usize;
            if records.len() == MAX_INTAKE_ROWS {
                return Err(InputError::TooManyImportRows {
                    rows: MAX_INTAKE_ROWS + 1,
                    max: MAX_INTAKE_ROWS,
                }
                .into());
            }
            records.push(Record { line, fields });
        }
        Ok(Table { headers, records })
    }

    /// The index of the column headed `name` (case and surrounding spaces do not count), or an
    /// error listing the columns there are.
    pub(crate) fn column(&self, path: &Path, name: &str) -> Result<usize> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                InputError::NoSuchColumn {
                    path: path.to_path_buf(),
                    column: crate::validate::quote_input(name),
                    columns: self
                        .headers
                        .iter()
                        .map(|h| crate::validate::quote_input(h))
                        .collect::<Vec<_>>()
                        .join(", "),
                }
                .into()
            })
    }
}

/// What a CSV error says, without the record's content.
fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "has {len} fields where the header has {expected_len}; check the quotes and commas on \
             this line"
        ),
        csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text; save the file as UTF-8".into(),
        _ => "does not read as CSV; check the quotes on this line".into(),
    }
}

/// Which column holds what: `name` and `secret` are required, `service` and `description`
/// optional. Read from `name=Title,secret=Password,service=URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    pub name: String,
    pub secret: String,
    pub service: Option<String>,
    pub description: Option<String>,
}

/// The fields a column mapping may name.
const MAP_FIELDS: &[&str] = &["name", "secret", "service", "description"];

impl ColumnMap {
    /// Reads `field=Column,...`. Unknown fields, a field named twice, or a missing `name` or
    /// `secret` are refused.
    pub fn parse(text: &str) -> Result<ColumnMap> {
        let bad = |why: String| -> Error { InputError::BadColumnMap { why }.into() };
        let (mut name, mut secret, mut service, mut description) = (None, None, None, None);
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((field, column)) = part.split_once('=') else {
                return Err(bad(format!(
                    "{} is not field=Column",
                    crate::validate::quote_input(part)
                )));
            };
            let column = column.trim();
            if column.is_empty() || column.chars().count() > 200 {
                return Err(bad(format!(
                    "the column for {} is empty or too long",
                    field.trim()
                )));
            }
            let slot = match field.trim().to_ascii_lowercase().as_str() {
                "name" => &mut name,
                "secret" => &mut secret,
                "service" => &mut service,
                "description" => &mut description,
                _ => {
                    return Err(bad(format!(
                        "{} is not a field; use {}",
                        crate::validate::quote_input(field),
                        MAP_FIELDS.join(", ")
                    )))
                }
            };
            if slot.replace(column.to_string()).is_some() {
                return Err(bad(format!("{} is mapped twice", field.trim())));
            }
        }
        match (name, secret) {
            (Some(name), Some(secret)) => Ok(ColumnMap {
                name,
                secret,
                service,
                description,
            }),
            _ => Err(bad("both name= and secret= are required".into())),
        }
    }
}

/// The rows of a CSV file under a column mapping. A service column holding a URL gives its host.
pub fn rows(
    path: &Path,
    text: &str,
    map: &ColumnMap,
    prefix: Option<&str>,
) -> Result<Vec<SourceRow>> {
    let table = Table::read(path, text)?;
    let name = table.column(path, &map.name)?;
    let secret = table.column(path, &map.secret)?;
    let service = map
        .service
        .as_ref()
        .map(|c| table.column(path, c))
        .transpose()?;
    let description = map
        .description
        .as_ref()
        .map(|c| table.column(path, c))
        .transpose()?;
    let mut rows: Vec<SourceRow> = table
        .records
        .iter()
        .map(|r| {
            let mut row = SourceRow::new(
                r.line,
                r.field(name).trim().to_string(),
                SecretString::from(r.field(secret).to_string()),
            );
            row.service = service
                .map(|i| r.field(i).trim())
                .filter(|s| !s.is_empty())
                .map(|s| {
                    if s.contains("://") {
                        host_of(s).unwrap_or_else(|| s.to_string())
                    } else {
                        s.to_string()
                    }
                })
                .or_else(|| formats::service_of(&row.secret).map(str::to_string));
            row.description = description
                .map(|i| r.field(i).trim().to_string())
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| default_description(IntakeSource::Csv));
            use secrecy::ExposeSecret;
            if row.secret.expose_secret().trim().is_empty() {
                row.skipped = Some("the secret column is empty".into());
            } else if row.name.is_empty() {
                row.refused = Some("the name column is empty".into());
            }
            row
        })
        .collect();
    super::apply_prefix(&mut rows, prefix);
    Ok(rows)
}
