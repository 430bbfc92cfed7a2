//! The peer store: a KeePass 2 XML file with as many entries as Tokenkeeper's seeded store, so
//! `keepassxc-cli import` builds the KDBX the peer row reads from (generated, not hand-made).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use secrecy::ExposeSecret;
use tokenkeeper_core::token_format;

use crate::seed;

pub fn run(entries: usize, probe: &str, out: &Path) -> Result<ExitCode> {
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = std::io::BufWriter::new(file);
    writeln!(
        w,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<KeePassFile>\n\
         <Meta><Generator>tk-bench</Generator><DatabaseName>tokens</DatabaseName></Meta>\n\
         <Root><Group><UUID>{}</UUID><Name>Root</Name>",
        uuid_b64(0)
    )?;
    let mut probe_found = false;
    for i in 0..entries {
        let title = seed::name(i);
        let secret = token_format::generate(token_format::DEFAULT_PREFIX)?;
        if title == probe {
            // The benchmark compares this value with what keepassxc-cli prints.
            println!("{}", secret.expose_secret());
            probe_found = true;
        }
        writeln!(
            w,
            "<Entry><UUID>{}</UUID>\
             <String><Key>Title</Key><Value>{title}</Value></String>\
             <String><Key>UserName</Key><Value>client-{i}</Value></String>\
             <String><Key>Password</Key><Value ProtectInMemory=\"True\">{}</Value></String>\
             <String><Key>URL</Key><Value>https://api.example.test/{i}</Value></String>\
             <String><Key>Notes</Key><Value>deploy client {i}</Value></String></Entry>",
            uuid_b64(i as u128 + 1),
            secret.expose_secret()
        )?;
    }
    writeln!(w, "</Group></Root>\n</KeePassFile>")?;
    w.flush()?;
    anyhow::ensure!(
        probe_found,
        "no entry is titled {probe}; pick one of seed-00000..{}",
        seed::name(entries.saturating_sub(1))
    );
    Ok(ExitCode::SUCCESS)
}

/// A KeePass UUID: 16 bytes, base64.
fn uuid_b64(n: u128) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = (n | (1 << 120)).to_be_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(B64[((v >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
