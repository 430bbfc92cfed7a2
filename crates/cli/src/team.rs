//! `tok team add|list|remove`: the team members whose vault files this install trusts and to
//! whom `tok export --team` encrypts.

use std::process::ExitCode;

use crate::error::Result;
use tokenkeeper_core::{Member, Vault};

use crate::args::TeamCommand;
use crate::output;

pub fn run(vault: &mut Vault, command: TeamCommand, json: bool) -> Result<ExitCode> {
    match command {
        TeamCommand::Add { name, member_key } => {
            let member = vault.team_add(&name, &member_key)?;
            if json {
                output::json(&member);
            } else {
                println!(
                    "Added '{}' to the team (fingerprint {}). Their signed files now import, \
                     and `tok export --team` encrypts to them.",
                    output::esc(&member.name),
                    member.fingerprint
                );
            }
        }
        TeamCommand::List => {
            let members = vault.team_list()?;
            if json {
                output::json(&members);
            } else {
                print_members(&members);
            }
        }
        TeamCommand::Remove { name } => {
            let member = vault.team_remove(&name)?;
            if json {
                output::json(&member);
            } else {
                println!(
                    "Removed '{}' from the team: their files are no longer trusted, and team \
                     exports leave them out.",
                    output::esc(&member.name)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_members(members: &[Member]) {
    if members.is_empty() {
        println!(
            "No team members yet. Add one with `tok team add NAME MEMBER-KEY` (their `tok \
             whoami` shows their member key)."
        );
        return;
    }
    let width = members
        .iter()
        .map(|m| output::esc(&m.name).chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!("{:<width$}  {:<39}  ADDED", "NAME", "FINGERPRINT");
    for m in members {
        println!(
            "{:<width$}  {:<39}  {} by {}",
            output::esc(&m.name),
            m.fingerprint,
            output::local_time(m.added_at),
            output::esc(&m.added_by)
        );
    }
}
