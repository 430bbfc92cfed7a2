//! One thin handler per `tok` command: read the arguments, make one core call, print the answer.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::error::{InputError, Result};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tokenkeeper_core::{
    parse_expiry, token_format, Access, Error, GenerateRequest, ImportRequest, ListQuery, NewToken,
    Origin, RotateRequest, Storage, Token, TokenEdit, Vault, VerifyStatus,
};

use crate::args::{EditArgs, InjectArgs, ListArgs, SettingsArgs};
use crate::{output, secret_input};

/// Exit code of a negative answer (verify: not active; check: malformed; delete: declined).
const NEGATIVE: u8 = 1;

/// What `generate` and `rotate` print with `--json`: the secret, shown this once.
#[derive(Serialize)]
struct IssuedJson<'a> {
    token: &'a Token,
    secret: &'a str,
    vault_id: &'a str,
}

pub fn list(vault: &Vault, a: ListArgs, json: bool) -> Result<ExitCode> {
    let query = ListQuery {
        state: a.state.map(Into::into),
        service: a.service,
        scope: a.scope,
        text: a.search,
        expiring_within_days: a.expiring,
        unused_for_days: a.unused_for,
        sort: a.sort.into(),
        descending: a.desc,
    };
    let tokens = vault.list(&query)?;
    if json {
        output::json(&tokens);
    } else {
        output::token_table(&tokens);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(vault: &Vault, which: &str, json: bool) -> Result<ExitCode> {
    let details = vault.show(which)?;
    if json {
        output::json(&details);
    } else {
        output::token_details(&details);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn generate(vault: &mut Vault, req: GenerateRequest, json: bool) -> Result<ExitCode> {
    let issued = vault.generate(req)?;
    print_issued(vault, &issued.token, &issued.secret, json);
    Ok(ExitCode::SUCCESS)
}

/// Prints a secret that is shown once: alone on its stdout line (or in JSON), notes on stderr.
fn print_issued(vault: &Vault, token: &Token, secret: &SecretString, json: bool) {
    let vault_id = vault.identity().vault_id;
    if json {
        output::json(&IssuedJson {
            token,
            secret: secret.expose_secret(),
            vault_id: &vault_id,
        });
    } else {
        println!("{}", secret.expose_secret());
    }
    eprintln!(
        "Token '{}' ({}), id {}, vault id {vault_id}.",
        output::esc(&token.name),
        output::esc(&token.hint),
        token.id
    );
    if token.storage == Storage::HashOnly {
        eprintln!(
            "Warning: this token will not be shown again. Store it now; Tokenkeeper keeps only its SHA-256 fingerprint."
        );
    } else {
        eprintln!(
            "A copy is kept in the OS keychain; `tok get {}` prints it.",
            output::esc(&token.name)
        );
    }
}

pub fn add(vault: &mut Vault, token: NewToken, json: bool) -> Result<ExitCode> {
    // Refuse a bad name, scope or expiry before asking for the key.
    vault.precheck_new(&token)?;
    let prompt = format!("Secret for '{}': ", output::esc(&token.name));
    let secret = secret_input::read_secret(&prompt, "secret")?;
    let token = vault.import(ImportRequest { token, secret })?;
    output::done("Added", &token, json);
    Ok(ExitCode::SUCCESS)
}

pub fn get(vault: &mut Vault, which: &str, json: bool) -> Result<ExitCode> {
    let secret = vault.reveal(which, Access::Revealed)?;
    if json {
        output::json(&serde_json::json!({ "secret": secret.expose_secret() }));
    } else {
        println!("{}", secret.expose_secret());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn edit(vault: &mut Vault, a: EditArgs, json: bool) -> Result<ExitCode> {
    let edit = TokenEdit {
        name: a.new_name,
        description: a.description,
        service: match (a.service, a.no_service) {
            (_, true) => Some(None),
            (Some(s), false) => Some(Some(s)),
            (None, false) => None,
        },
        scopes: if a.clear_scopes {
            Some(Vec::new())
        } else if a.scopes.is_empty() {
            None
        } else {
            Some(a.scopes)
        },
        expires_at: match a.expires {
            Some(x) => Some(parse_expiry(&x, chrono::Utc::now())?),
            None => None,
        },
    };
    if edit.name.is_none()
        && edit.description.is_none()
        && edit.service.is_none()
        && edit.scopes.is_none()
        && edit.expires_at.is_none()
    {
        return Err(InputError::NothingToChange.into());
    }
    let token = vault.edit(&a.which, edit)?;
    output::done("Updated", &token, json);
    Ok(ExitCode::SUCCESS)
}

pub fn set_enabled(vault: &mut Vault, which: &str, enabled: bool, json: bool) -> Result<ExitCode> {
    let token = vault.set_enabled(which, enabled)?;
    output::done(if enabled { "Enabled" } else { "Disabled" }, &token, json);
    Ok(ExitCode::SUCCESS)
}

pub fn rotate(vault: &mut Vault, which: &str, grace: &str, json: bool) -> Result<ExitCode> {
    let grace = grace.parse()?;
    // Imported keys are rotated at the service; the user brings the new value.
    let current = vault.show(which)?.token;
    let new_secret = match current.origin {
        Origin::Imported => Some(secret_input::read_secret(
            &format!("New value for '{}': ", output::esc(&current.name)),
            "new secret",
        )?),
        Origin::Generated => None,
    };
    let rotated = vault.rotate(&current.id, RotateRequest { grace, new_secret })?;
    match &rotated.secret {
        Some(secret) => print_issued(vault, &rotated.token, secret, json),
        None => output::done("Rotated", &rotated.token, json),
    }
    if let Some(until) = rotated.token.previous_valid_until {
        eprintln!(
            "The old secret keeps working until {}.",
            output::local_time(until)
        );
    } else {
        eprintln!("The old secret no longer works.");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn delete(vault: &mut Vault, which: &str, yes: bool, json: bool) -> Result<ExitCode> {
    if !yes {
        if !secret_input::stdin_is_terminal() {
            return Err(InputError::DeleteNeedsYes {
                quoted: tokenkeeper_core::quote_input(which),
            }
            .into());
        }
        // Ask about the token by its real name, and not at all if there is no such token.
        let name = vault.show(which)?.token.name;
        let question = format!(
            "Delete '{}'? This cannot be undone; anything using it stops working.",
            output::esc(&name)
        );
        if !secret_input::confirm(&question)? {
            eprintln!("Not deleted.");
            return Ok(ExitCode::from(NEGATIVE));
        }
    }
    let token = vault.delete(which)?;
    output::done("Deleted", &token, json);
    Ok(ExitCode::SUCCESS)
}

pub fn verify(vault: &mut Vault) -> Result<ExitCode> {
    let presented = secret_input::read_secret("Token to verify: ", "token")?;
    let v = vault.verify(&presented)?;
    output::verification(&v);
    Ok(if v.status == VerifyStatus::Active {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NEGATIVE)
    })
}

/// Offline: needs no vault, and never echoes the token.
pub fn check(json: bool) -> Result<ExitCode> {
    // An empty input is simply not well-formed: the format check says so.
    let presented = secret_input::read_possibly_empty("Token to check: ", "token")?;
    let verdict = token_format::check(presented.expose_secret())
        .map(|parts| parts.prefix.to_string())
        .map_err(Error::from);
    let well_formed = verdict.is_ok();
    match (verdict, json) {
        (Ok(prefix), true) => {
            output::json(&serde_json::json!({ "well_formed": true, "prefix": prefix }))
        }
        (Ok(prefix), false) => println!("well-formed (prefix '{prefix}')"),
        (Err(e), true) => output::json(&serde_json::json!({
            "well_formed": false,
            "kind": e.kind(),
            "message": e.to_string(),
        })),
        (Err(e), false) => println!("not well-formed: {e}"),
    }
    Ok(if well_formed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NEGATIVE)
    })
}

pub fn whoami(vault: &mut Vault, json: bool) -> Result<ExitCode> {
    // The public key is made in the keychain on first use; without a keychain, whoami still
    // answers with what it knows.
    if let Err(e) = vault.own_member_key() {
        eprintln!(
            "tok: no public key to show: {}",
            output::esc(&e.to_string())
        );
    }
    let id = vault.identity();
    if json {
        output::json(&id);
    } else {
        output::identity(&id);
    }
    Ok(ExitCode::SUCCESS)
}

/// `tok settings [--reminders 30,7,1,0] [--stale-days 90d]`: changes what is given, then
/// prints every setting.
pub fn settings(vault: &mut Vault, a: SettingsArgs, json: bool) -> Result<ExitCode> {
    let mut s = vault.settings()?;
    if a.reminders.is_some() || a.stale_days.is_some() {
        if let Some(days) = a.reminders {
            s.reminder_days = days.0;
        }
        if let Some(days) = a.stale_days {
            s.stale_days = days;
        }
        s = vault.update_settings(s)?;
    }
    if json {
        output::json(&s);
        return Ok(ExitCode::SUCCESS);
    }
    let reminders = if s.reminder_days.is_empty() {
        "none".to_string()
    } else {
        let days: Vec<String> = s.reminder_days.iter().map(u32::to_string).collect();
        format!(
            "{} days before expiry (0: when it expires)",
            days.join(", ")
        )
    };
    println!("Display name:      {}", output::esc(&s.display_name));
    println!("Clipboard clears:  after {} s", s.clipboard_clear_seconds);
    println!("Expiry warning:    {} days", s.expiry_warning_days);
    println!("Reminders:         {reminders}");
    println!("Unused after:      {} days", s.stale_days);
    Ok(ExitCode::SUCCESS)
}

/// `tok calendar [-o FILE]`: the expiries as iCalendar, written atomically or printed.
pub fn calendar(vault: &Vault, output: Option<&std::path::Path>, json: bool) -> Result<ExitCode> {
    // The alarms are the reminders of Settings (`tok settings --reminders`), as notifications.
    let days = vault.settings()?.reminder_days;
    match output {
        None => {
            let (text, _) = vault.expiry_calendar(&days)?;
            print!("{text}");
        }
        Some(path) => {
            let summary = vault.write_expiry_calendar(path, &days)?;
            if json {
                output::json(&serde_json::json!({
                    "events": summary.events,
                    "path": path.display().to_string(),
                }));
            } else {
                println!(
                    "Wrote {} token expir{} to {}, {}",
                    summary.events,
                    if summary.events == 1 { "y" } else { "ies" },
                    output::esc(&path.display().to_string()),
                    alarms(&days)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `tok inject -i TEMPLATE [-o FILE]`: the template with its references resolved, all or
/// nothing, written atomically 0600 or printed.
pub fn inject(vault: &mut Vault, a: InjectArgs, json: bool) -> Result<ExitCode> {
    let injected = vault.inject(&a.input)?;
    for w in &injected.warnings {
        eprintln!("tok: warning: {}", output::esc(w));
    }
    match &a.output {
        None => {
            if std::io::stdout().is_terminal() && injected.references > 0 {
                eprintln!(
                    "tok: warning: the secrets are printed on your terminal; write them to a file \
                     with -o FILE instead"
                );
            }
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(injected.text.expose_secret().as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|source| InputError::StdoutUnwritable { source })?;
        }
        Some(path) => {
            tokenkeeper_core::write_injected(path, &a.input, &injected.text)?;
            if json {
                output::json(&serde_json::json!({
                    "references": injected.references,
                    "path": path.display().to_string(),
                }));
            } else {
                eprintln!(
                    "Wrote {} with {} reference{} resolved (readable only by you)",
                    output::esc(&path.display().to_string()),
                    injected.references,
                    if injected.references == 1 { "" } else { "s" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// "each with reminders 30, 7 and 1 days before and on the day": the alarms the calendar's
/// events carry, in words.
fn alarms(days: &[u32]) -> String {
    let before: Vec<String> = days
        .iter()
        .filter(|d| **d > 0)
        .map(u32::to_string)
        .collect();
    let on_the_day = days.contains(&0);
    let before = match before.as_slice() {
        [] => String::new(),
        [one] => format!("{one} day{} before", if one == "1" { "" } else { "s" }),
        [first @ .., last] => format!("{} and {last} days before", first.join(", ")),
    };
    match (before.is_empty(), on_the_day, days.len()) {
        (true, false, _) => "with no reminders".to_string(),
        (true, true, _) => "each with a reminder on the day".to_string(),
        (false, false, 1) => format!("each with a reminder {before}"),
        (false, false, _) => format!("each with reminders {before}"),
        (false, true, _) => format!("each with reminders {before} and on the day"),
    }
}

#[cfg(test)]
mod tests {
    use super::alarms;

    #[test]
    fn the_calendar_names_its_alarms_in_words() {
        assert_eq!(
            alarms(&[30, 7, 1, 0]),
            "each with reminders 30, 7 and 1 days before and on the day"
        );
        assert_eq!(alarms(&[14, 3]), "each with reminders 14 and 3 days before");
        assert_eq!(alarms(&[1]), "each with a reminder 1 day before");
        assert_eq!(
            alarms(&[7, 0]),
            "each with reminders 7 days before and on the day"
        );
        assert_eq!(alarms(&[0]), "each with a reminder on the day");
        assert_eq!(alarms(&[]), "with no reminders");
    }
}
