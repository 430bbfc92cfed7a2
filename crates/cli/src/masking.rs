//! `tok run`'s masked output: every secret handed to the child is replaced by
//! `<concealed by tok>` in what the child prints, even when the child writes a secret in pieces
//! that arrive in separate reads.
//!
//! The stream is searched with Aho-Corasick (leftmost-longest, so of two secrets where one
//! starts the other, the whole longer one is concealed). Between reads only the end of the data
//! that could still become a secret is held back: the longest tail that is the beginning of some
//! secret. Everything before it is written at once, so a child that prints a prompt or a line
//! at a time is seen at once, and held bytes never exceed the longest secret less one byte.

use aho_corasick::{AhoCorasick, MatchKind};
use zeroize::{Zeroize, Zeroizing};

/// What a secret is replaced with.
pub const MASK: &[u8] = b"<concealed by tok>";

/// One output stream's masker.
pub struct Masker {
    search: AhoCorasick,
    /// The secrets, to find how much of the tail may still become one.
    secrets: Vec<Zeroizing<Vec<u8>>>,
    /// Bytes read and not yet written: a tail that may be the start of a secret.
    held: Zeroizing<Vec<u8>>,
}

impl Masker {
    /// A masker for these secrets (empty ones are left out); `None` when none is left.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a [u8]>) -> Option<Masker> {
        let mut secrets: Vec<Zeroizing<Vec<u8>>> = secrets
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(|s| Zeroizing::new(s.to_vec()))
            .collect();
        secrets.sort_unstable_by(|a, b| a.as_slice().cmp(b.as_slice()));
        secrets.dedup_by(|a, b| a.as_slice() == b.as_slice());
        if secrets.is_empty() {
            return None;
        }
        let search = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(secrets.iter().map(|s| s.as_slice()))
            .expect("a few secrets of bounded length always build an automaton");
        Some(Masker {
            search,
            secrets,
            held: Zeroizing::new(Vec::new()),
        })
    }

    /// Takes the next bytes the child wrote and appends to `out` what can be written now.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        self.held.extend_from_slice(chunk);
        let buf = self.held.as_slice();
        // Any match starting before `safe` is complete and final: a longer secret starting
        // there would make a longer tail that may still become a secret.
        let safe = buf.len() - self.pending_tail(buf);
        let mut written = 0;
        for m in self.search.find_iter(buf) {
            if m.start() >= safe {
                break;
            }
            out.extend_from_slice(&buf[written..m.start()]);
            out.extend_from_slice(MASK);
            written = m.end();
        }
        let keep_from = written.max(safe);
        out.extend_from_slice(&buf[written..keep_from]);
        // Drop what was written, zeroing the bytes the move leaves behind.
        let len = buf.len();
        self.held.copy_within(keep_from.., 0);
        self.held[len - keep_from..].zeroize();
        self.held.truncate(len - keep_from);
    }

    /// The child closed the stream: what is held is no secret (or it would have been found).
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        // A held tail that is a whole secret was masked in feed() unless a longer secret
        // might have continued it; at the end no longer one can, so search it once more.
        let buf = std::mem::take(&mut *self.held);
        let buf = Zeroizing::new(buf);
        let mut written = 0;
        for m in self.search.find_iter(buf.as_slice()) {
            out.extend_from_slice(&buf[written..m.start()]);
            out.extend_from_slice(MASK);
            written = m.end();
        }
        out.extend_from_slice(&buf[written..]);
    }

    /// Length of the longest tail of `buf` that is the beginning, shorter than the whole, of
    /// some secret.
    fn pending_tail(&self, buf: &[u8]) -> usize {
        let mut longest = 0;
        for s in &self.secrets {
            let max = (s.len() - 1).min(buf.len());
            for k in (longest + 1..=max).rev() {
                if buf[buf.len() - k..] == s[..k] {
                    longest = k;
                    break;
                }
            }
        }
        longest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(secrets: &[&str], chunks: &[&str]) -> String {
        let mut m = Masker::new(secrets.iter().map(|s| s.as_bytes())).unwrap();
        let mut out = Vec::new();
        for c in chunks {
            m.feed(c.as_bytes(), &mut out);
        }
        m.finish(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_secret_is_concealed_whole_or_split_anywhere() {
        let secret = "sk_live_abcdef123456";
        let text = format!("key={secret}; again {secret}!\n");
        let want = "key=<concealed by tok>; again <concealed by tok>!\n";
        assert_eq!(masked(&[secret], &[&text]), want);
        for cut in 0..=text.len() {
            assert_eq!(
                masked(&[secret], &[&text[..cut], &text[cut..]]),
                want,
                "{cut}"
            );
        }
        // One byte at a time.
        let bytes: Vec<String> = text.chars().map(String::from).collect();
        let chunks: Vec<&str> = bytes.iter().map(String::as_str).collect();
        assert_eq!(masked(&[secret], &chunks), want);
    }

    #[test]
    fn only_a_possible_beginning_of_a_secret_is_held_back() {
        let mut m = Masker::new([b"secret-value".as_slice()]).unwrap();
        let mut out = Vec::new();
        m.feed(b"Enter your name: ", &mut out);
        assert_eq!(out, b"Enter your name: ", "a prompt is written at once");
        out.clear();
        m.feed(b"line\nsec", &mut out);
        assert_eq!(out, b"line\n", "'sec' may start the secret");
        out.clear();
        m.feed(b"ond\n", &mut out);
        assert_eq!(out, b"second\n", "it did not");
    }

    #[test]
    fn the_longer_of_two_overlapping_secrets_is_concealed_whole() {
        assert_eq!(
            masked(&["abc", "abcdef"], &["x abc", "def y abc z"]),
            "x <concealed by tok> y <concealed by tok> z"
        );
        // The shorter one at the very end.
        assert_eq!(
            masked(&["abc", "abcdef"], &["x ab", "c"]),
            "x <concealed by tok>"
        );
    }

    #[test]
    fn text_without_secrets_passes_unchanged() {
        let text = "plain output, no keys here\n".repeat(100);
        assert_eq!(masked(&["zzzzzzzz"], &[&text]), text);
        assert!(Masker::new([b"".as_slice()]).is_none());
    }
}
