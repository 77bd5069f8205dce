//! Key files: the terminal's signing key (secret, mode 0600) and the
//! keyring of trusted public keys, both TOML. `kiosk keygen` writes the
//! first and a keyring entry for the second. See docs/verification.md.

use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::seal::{TrustedKey, hex, key_id};

/// Why a key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path} can be read by other users (mode {mode:o}): run `chmod 600 {path}`")]
    Exposed { path: PathBuf, mode: u32 },
}

/// A signing key file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    terminal: String,
    /// The 32-byte Ed25519 seed, hex.
    seed: String,
}

/// One keyring entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    pub terminal: String,
    /// The key's id (first 8 bytes of SHA-256 of the public key), hex.
    pub key_id: String,
    /// The 32-byte Ed25519 public key, hex.
    pub public: String,
    /// RFC 3339: documents issued in [not_before, not_after] only.
    pub not_before: String,
    pub not_after: String,
    /// When the key was revoked (RFC 3339); nothing it signed is trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Keyring {
    #[serde(default)]
    key: Vec<KeyEntry>,
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn unix(path: &Path, field: &str, s: &str) -> Result<u64, KeyError> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| u64::try_from(t.unix_timestamp()).ok())
        .ok_or_else(|| KeyError::Invalid {
            path: path.to_path_buf(),
            message: format!("{field} {s:?} is not an RFC 3339 time such as 2026-11-23T00:00:00Z"),
        })
}

fn read(path: &Path) -> Result<String, KeyError> {
    std::fs::read_to_string(path).map_err(|source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a signing key: the terminal it belongs to, and the key. The file
/// must be readable by its owner only.
pub fn load_signing_key(path: &Path) -> Result<(String, SigningKey), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Exposed {
            path: path.to_path_buf(),
            mode,
        });
    }
    let f: KeyFile = toml::from_str(&read(path)?).map_err(|e| KeyError::Invalid {
        path: path.to_path_buf(),
        message: e.message().to_string(),
    })?;
    let seed = unhex::<32>(&f.seed).ok_or_else(|| KeyError::Invalid {
        path: path.to_path_buf(),
        message: "seed must be 64 hex digits".into(),
    })?;
    Ok((f.terminal, SigningKey::from_bytes(&seed)))
}

/// Reads a keyring.
pub fn load_keyring(path: &Path) -> Result<Vec<TrustedKey>, KeyError> {
    let ring: Keyring = toml::from_str(&read(path)?).map_err(|e| {
        let src = std::fs::read_to_string(path).unwrap_or_default();
        let (line, col) = crate::toml_pos::toml_error_at(&src, &e);
        KeyError::Invalid {
            path: path.to_path_buf(),
            message: format!("line {line}, column {col}: {}", e.message()),
        }
    })?;
    let mut seen = std::collections::BTreeSet::new();
    for k in &ring.key {
        if !seen.insert(k.key_id.to_ascii_lowercase()) {
            return Err(KeyError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "key {} is listed more than once: keep one [[key]] entry for it (with revoked_at if it is revoked)",
                    k.key_id
                ),
            });
        }
    }
    ring.key
        .iter()
        .map(|k| {
            let bad = |m: String| KeyError::Invalid {
                path: path.to_path_buf(),
                message: format!("key {}: {m}", k.key_id),
            };
            let public = unhex::<32>(&k.public)
                .and_then(|b| VerifyingKey::from_bytes(&b).ok())
                .ok_or_else(|| bad("public must be 64 hex digits of an Ed25519 key".into()))?;
            if hex(&key_id(&public)) != k.key_id {
                return Err(bad(format!(
                    "key_id does not match the public key (it is {})",
                    hex(&key_id(&public))
                )));
            }
            Ok(TrustedKey {
                terminal: k.terminal.clone(),
                public,
                not_before: unix(path, "not_before", &k.not_before)?,
                not_after: unix(path, "not_after", &k.not_after)?,
                revoked: k.revoked_at.is_some(),
            })
        })
        .collect()
}

/// A new key for `terminal`, valid from `from` for `days`: the key, the
/// secret key file's text, and the keyring entry.
pub fn generate(
    terminal: &str,
    from: time::OffsetDateTime,
    days: u32,
) -> Result<(SigningKey, String, KeyEntry), getrandom::Error> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)?;
    let key = SigningKey::from_bytes(&seed);
    let fmt = |t: time::OffsetDateTime| {
        t.replace_nanosecond(0)
            .unwrap_or(t)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let public = key.verifying_key();
    let entry = KeyEntry {
        terminal: terminal.to_string(),
        key_id: hex(&key_id(&public)),
        public: hex(public.as_bytes()),
        not_before: fmt(from),
        not_after: fmt(from + time::Duration::days(i64::from(days))),
        revoked_at: None,
    };
    let file = format!(
        "# The signing key of terminal {terminal}. Secret: keep it readable by the\n# kiosk's user only (mode 0600); never copy it off the terminal.\n{}",
        toml::to_string(&KeyFile {
            terminal: terminal.to_string(),
            seed: hex(&seed),
        })
        .unwrap_or_default()
    );
    Ok((key, file, entry))
}

/// A keyring entry as TOML, to append to a keyring file.
pub fn entry_toml(e: &KeyEntry) -> String {
    format!("[[key]]\n{}", toml::to_string(e).unwrap_or_default())
}

/// Writes a secret file readable by its owner only (created with mode
/// 0600, never widened); refuses to overwrite.
pub fn write_secret(path: &Path, text: &str) -> Result<(), KeyError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|source| KeyError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    f.write_all(text.as_bytes()).map_err(|source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    })
}
