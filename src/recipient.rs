//! What a recipient is told about a printed document: the seal's verdict,
//! which needs nothing but the keyring, and the issuing office's word on
//! it since, which only the platform has (contract 1.1's public lookup).
//!
//! The platform vouches for nothing the seal does not prove: a status
//! counts only for the document on the paper, and a seal the platform
//! hands out is verified here like any other. Pure: the lookup's answer
//! comes in.

use crate::platform::{DocumentState, DocumentStatus, ErrorKind, PlatformError};
use crate::seal::{self, Seal, TrustedKey};

/// Where a genuine document stands with the office that issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Nobody asked the platform (no `--online`, or the page has no
    /// status address).
    NotChecked,
    /// The platform was asked and could not say: why.
    Unknown { why: String },
    /// The platform holds this very seal and calls it valid.
    Valid { checked: Option<String> },
    /// The issuing office withdrew it.
    Revoked {
        at: Option<String>,
        reason: Option<String>,
        reason_en: Option<String>,
    },
    /// The data it certified changed.
    Superseded {
        at: Option<String>,
        by: Option<String>,
        reason: Option<String>,
        reason_en: Option<String>,
    },
}

impl Standing {
    /// A status a recipient can rely on: valid, revoked or superseded.
    pub fn is_known(&self) -> bool {
        matches!(
            self,
            Standing::Valid { .. } | Standing::Revoked { .. } | Standing::Superseded { .. }
        )
    }

    /// Whether the document may be relied on, as far as its status goes:
    /// not revoked or superseded.
    pub fn is_withdrawn(&self) -> bool {
        matches!(self, Standing::Revoked { .. } | Standing::Superseded { .. })
    }
}

/// Why the lookup could not say, in words for the recipient.
pub fn unknown(e: &PlatformError) -> Standing {
    let why = match e.kind {
        ErrorKind::NotImplemented => "the platform does not offer the status lookup (it runs contract 1.0)".to_string(),
        ErrorKind::NotFound => "the platform has no record of this document (yet)".to_string(),
        ErrorKind::Unavailable => format!("the platform could not be reached ({})", e.detail),
        _ => format!("the platform's answer could not be used ({e})"),
    };
    Standing::Unknown { why }
}

/// The standing of the document whose seal is `paper`, from the lookup's
/// answer. The status counts only if the platform's entry for this
/// document holds the same signed payload as the paper. When the answer
/// lists the document more than once, the order does not matter: a
/// revocation of the paper's own payload wins over anything else, then a
/// supersession, and valid only when every such entry says so.
pub fn standing(paper: &Seal, answer: &[DocumentStatus]) -> Standing {
    let id = &paper.payload.document_id;
    let listed: Vec<&DocumentStatus> = answer.iter().filter(|d| &d.document_id == id).collect();
    if listed.is_empty() {
        return Standing::Unknown {
            why: format!("the platform lists no document {id}"),
        };
    }
    let same: Vec<&DocumentStatus> = listed
        .into_iter()
        .filter(|entry| {
            seal::readings(&entry.seal)
                .iter()
                .filter_map(|r| base45::decode(r).ok())
                .filter_map(|b| seal::from_bytes(&b).ok())
                .any(|s| s.payload_bytes == paper.payload_bytes)
        })
        .collect();
    let weight = |d: &DocumentStatus| match d.change.status {
        DocumentState::Revoked => 2,
        DocumentState::Superseded => 1,
        DocumentState::Valid => 0,
    };
    match same.into_iter().max_by_key(|d| weight(d)) {
        Some(entry) => of(entry),
        None => Standing::Unknown {
            why: format!("the platform's seal of document {id} is not the one on the paper"),
        },
    }
}

/// An entry's status as a standing (for a seal fetched from the entry
/// itself, after it verified).
pub fn of(entry: &DocumentStatus) -> Standing {
    let c = entry.change.clone();
    match c.status {
        DocumentState::Valid => Standing::Valid {
            checked: c.status_changed_at,
        },
        DocumentState::Revoked => Standing::Revoked {
            at: c.status_changed_at,
            reason: c.reason,
            reason_en: c.reason_en,
        },
        DocumentState::Superseded => Standing::Superseded {
            at: c.status_changed_at,
            by: c.superseded_by,
            reason: c.reason,
            reason_en: c.reason_en,
        },
    }
}

/// One document of a lookup by short code: its seal checked against the
/// keyring (`Err` when the platform's seal is not a valid one: the
/// platform vouches for nothing), and its standing.
pub fn looked_up<'k>(
    entry: &DocumentStatus,
    keys: &'k [TrustedKey],
) -> Result<((Seal, &'k TrustedKey), Standing), Box<seal::Rejected>> {
    let checked = seal::check(&entry.seal, keys)?;
    if checked.0.payload.document_id != entry.document_id {
        return Err(Box::new(seal::Rejected {
            why: seal::Invalid::Malformed(seal::SealError::Malformed(format!(
                "the platform filed this seal under document {}, but it seals {}",
                entry.document_id, checked.0.payload.document_id
            ))),
            claimed: Some(checked.0),
        }));
    }
    Ok((checked, of(entry)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn sealed(id: &str, name: &str) -> (String, Vec<TrustedKey>) {
        let key = SigningKey::from_bytes(&[9; 32]);
        let payload = seal::Payload {
            document_id: id.into(),
            service: "enrollment-certificate".into(),
            terminal: "T-1".into(),
            issued: 1_790_000_000,
            fields: [("name".to_string(), name.to_string())].into(),
            digest: [1; 16],
        };
        let code = seal::to_code("HTTPS://V.EXAMPLE/V", &seal::sign(&payload, &key));
        let trusted = vec![TrustedKey {
            terminal: "T-1".into(),
            public: key.verifying_key(),
            not_before: 0,
            not_after: u64::MAX,
            revoked: false,
        }];
        (code, trusted)
    }

    fn entry(id: &str, seal: &str, status: DocumentState) -> DocumentStatus {
        DocumentStatus {
            document_id: id.into(),
            seal: seal.into(),
            change: crate::platform::StatusChange {
                status,
                status_changed_at: Some("2026-12-01T10:00:00+08:00".into()),
                reason: Some("成绩更正".into()),
                reason_en: Some("A grade was corrected".into()),
                superseded_by: None,
            },
        }
    }

    #[test]
    fn a_status_counts_only_for_the_seal_on_the_paper() {
        let id = "ABCDEFGH12345678";
        let (code, keys) = sealed(id, "王小明");
        let (paper, _) = seal::check(&code, &keys).unwrap();
        let revoked = [entry(id, &code, DocumentState::Revoked)];
        assert!(matches!(standing(&paper, &revoked), Standing::Revoked { .. }));
        // The platform's copy carries another name: its word is worthless.
        let (other, _) = sealed(id, "李四");
        let s = standing(&paper, &[entry(id, &other, DocumentState::Revoked)]);
        assert!(
            matches!(&s, Standing::Unknown { why } if why.contains("not the one on the paper")),
            "{s:?}"
        );
        let s = standing(&paper, &[entry("ABCDEFGH99999999", &code, DocumentState::Valid)]);
        assert!(!s.is_known(), "{s:?}");
        assert!(matches!(
            standing(&paper, &[entry(id, &code, DocumentState::Valid)]),
            Standing::Valid { .. }
        ));
    }

    #[test]
    fn a_withdrawal_of_the_papers_seal_wins_whatever_the_order_of_the_answer() {
        let id = "ABCDEFGH12345678";
        let (code, keys) = sealed(id, "王小明");
        let (paper, _) = seal::check(&code, &keys).unwrap();
        let (other, _) = sealed(id, "李四");
        let valid = entry(id, &code, DocumentState::Valid);
        let revoked = entry(id, &code, DocumentState::Revoked);
        let superseded = entry(id, &code, DocumentState::Superseded);
        let foreign_revoked = entry(id, &other, DocumentState::Revoked);
        for answer in [
            vec![valid.clone(), revoked.clone()],
            vec![revoked.clone(), valid.clone()],
            vec![valid.clone(), superseded.clone(), revoked.clone()],
        ] {
            assert!(matches!(standing(&paper, &answer), Standing::Revoked { .. }));
        }
        for answer in [vec![valid.clone(), superseded.clone()], vec![superseded, valid.clone()]] {
            assert!(matches!(standing(&paper, &answer), Standing::Superseded { .. }));
        }
        // Another payload's withdrawal says nothing of this paper.
        for answer in [
            vec![foreign_revoked.clone(), valid.clone()],
            vec![valid, foreign_revoked],
        ] {
            assert!(matches!(standing(&paper, &answer), Standing::Valid { .. }));
        }
    }

    #[test]
    fn a_looked_up_seal_is_verified_like_a_scanned_one() {
        let id = "ABCDEFGH12345678";
        let (code, keys) = sealed(id, "王小明");
        let ((s, _), standing) = looked_up(&entry(id, &code, DocumentState::Superseded), &keys).unwrap();
        assert_eq!(s.payload.fields["name"], "王小明");
        assert!(standing.is_withdrawn());
        // One character of the platform's seal changed.
        let mut altered: Vec<char> = code.chars().collect();
        let i = altered.len() - 30;
        altered[i] = if altered[i] == 'A' { 'B' } else { 'A' };
        let altered: String = altered.into_iter().collect();
        assert!(looked_up(&entry(id, &altered, DocumentState::Valid), &keys).is_err());
        // A genuine seal filed under another document's id.
        assert!(looked_up(&entry("ZZZZZZZZ12345678", &code, DocumentState::Valid), &keys).is_err());
    }

    #[test]
    fn an_older_platform_leaves_the_status_unknown() {
        let e = PlatformError {
            kind: ErrorKind::NotImplemented,
            code: Some("not_implemented".into()),
            detail: "HTTP 404".into(),
        };
        assert!(matches!(unknown(&e), Standing::Unknown { why } if why.contains("1.0")));
    }
}
