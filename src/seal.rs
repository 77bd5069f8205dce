//! The seal on every document: a compact payload (what the document
//! certifies) signed with the terminal's key, carried in the verification
//! QR code as `<verify_url>#<base45(CBOR seal)>`. Anyone holding the
//! university's keyring can check a paper copy offline.
//!
//! The byte format is specified in docs/verification.md; this module is
//! its reference implementation. Pure: keys arrive as values, time as a
//! number.
//!
//! ```text
//! seal      = [format: 1, payload: bstr, signatures: [+ signature]]
//! signature = [alg: 1 (Ed25519) | 2 (SM2, reserved), key_id: bstr .size 8, sig: bstr]
//! payload   = [document_id: tstr, service: tstr, terminal: tstr,
//!              issued: uint (Unix seconds), fields: {* tstr => tstr},
//!              digest: bstr .size 16]
//! signed message = "campus-kiosk/seal/v1" || payload
//! ```

use std::collections::BTreeMap;

use ciborium::Value;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The seal format this code writes and reads.
pub const FORMAT: u64 = 1;
/// Ed25519 (RFC 8032).
pub const ALG_ED25519: u64 = 1;
/// SM2 with SM3 (GB/T 32918, GB/T 32905): reserved for a second signature.
pub const ALG_SM2: u64 = 2;
/// Prefixed to the payload before signing, so a seal signature can never
/// be taken for a signature over anything else.
pub const CONTEXT: &[u8] = b"campus-kiosk/seal/v1";

/// What a document certifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub document_id: String,
    pub service: String,
    pub terminal: String,
    /// Unix seconds.
    pub issued: u64,
    /// The certified fields the template declares, e.g. name, student id.
    pub fields: BTreeMap<String, String>,
    /// The first 16 bytes of the SHA-256 of all data bound to the document.
    pub digest: [u8; 16],
}

/// One signature of a seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub alg: u64,
    pub key_id: [u8; 8],
    pub bytes: Vec<u8>,
}

/// A seal as read from a code: the payload's exact bytes (what was
/// signed), the payload decoded, and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    pub payload_bytes: Vec<u8>,
    pub payload: Payload,
    pub signatures: Vec<Signature>,
}

/// Why a seal could not even be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("seal format {0} is not supported (this verifier reads format 1)")]
    Format(u64),
}

fn malformed(what: impl Into<String>) -> SealError {
    SealError::Malformed(what.into())
}

/// A key's id: the first 8 bytes of the SHA-256 of its public key.
pub fn key_id(public: &VerifyingKey) -> [u8; 8] {
    let h = Sha256::digest(public.as_bytes());
    let mut id = [0u8; 8];
    id.copy_from_slice(&h[..8]);
    id
}

fn cbor(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = ciborium::into_writer(v, &mut out);
    out
}

/// Exactly one CBOR item: bytes after it make the seal malformed (a
/// verifier that ignored them would accept codes another rejects).
fn cbor_one(bytes: &[u8], what: &str) -> Result<Value, SealError> {
    let mut rest = bytes;
    let v: Value = ciborium::from_reader(&mut rest).map_err(|e| malformed(format!("{what} is not CBOR: {e}")))?;
    if !rest.is_empty() {
        return Err(malformed(format!("{} bytes after the {what}", rest.len())));
    }
    Ok(v)
}

impl Payload {
    /// The payload's CBOR bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        cbor(&Value::Array(vec![
            Value::Text(self.document_id.clone()),
            Value::Text(self.service.clone()),
            Value::Text(self.terminal.clone()),
            Value::Integer(self.issued.into()),
            Value::Map(
                self.fields
                    .iter()
                    .map(|(k, v)| (Value::Text(k.clone()), Value::Text(v.clone())))
                    .collect(),
            ),
            Value::Bytes(self.digest.to_vec()),
        ]))
    }

    fn from_bytes(bytes: &[u8]) -> Result<Payload, SealError> {
        let v = cbor_one(bytes, "payload")?;
        let Value::Array(items) = v else {
            return Err(malformed("payload is not an array"));
        };
        let [doc, service, terminal, issued, fields, digest] = <[Value; 6]>::try_from(items)
            .map_err(|items| malformed(format!("payload has {} items, not 6", items.len())))?;
        let text = |v: Value, what: &str| match v {
            Value::Text(t) => Ok(t),
            _ => Err(malformed(format!("{what} is not text"))),
        };
        let issued = match issued {
            Value::Integer(i) => u64::try_from(i128::from(i)).map_err(|_| malformed("issued is negative"))?,
            _ => return Err(malformed("issued is not an integer")),
        };
        let fields = match fields {
            Value::Map(m) => m
                .into_iter()
                .map(|(k, v)| Ok((text(k, "a field name")?, text(v, "a field value")?)))
                .collect::<Result<BTreeMap<_, _>, SealError>>()?,
            _ => return Err(malformed("fields is not a map")),
        };
        let digest = match digest {
            Value::Bytes(b) => <[u8; 16]>::try_from(b.as_slice()).map_err(|_| malformed("digest is not 16 bytes"))?,
            _ => return Err(malformed("digest is not bytes")),
        };
        Ok(Payload {
            document_id: text(doc, "document_id")?,
            service: text(service, "service")?,
            terminal: text(terminal, "terminal")?,
            issued,
            fields,
            digest,
        })
    }
}

/// The message a signature covers.
pub fn signed_message(payload_bytes: &[u8]) -> Vec<u8> {
    [CONTEXT, payload_bytes].concat()
}

/// Seals `payload` with `key`: the seal's CBOR bytes.
pub fn sign(payload: &Payload, key: &SigningKey) -> Vec<u8> {
    let bytes = payload.to_bytes();
    let sig = key.sign(&signed_message(&bytes));
    cbor(&Value::Array(vec![
        Value::Integer(FORMAT.into()),
        Value::Bytes(bytes),
        Value::Array(vec![Value::Array(vec![
            Value::Integer(ALG_ED25519.into()),
            Value::Bytes(key_id(&key.verifying_key()).to_vec()),
            Value::Bytes(sig.to_bytes().to_vec()),
        ])]),
    ]))
}

/// The text of the verification QR code: `<verify_url>#<base45 seal>`.
pub fn to_code(verify_url: &str, seal: &[u8]) -> String {
    // base45's spaces as `%20`: the text is then a URL every phone's camera
    // opens whole, and still all in QR's alphanumeric mode.
    format!("{verify_url}#{}", base45::encode(seal).replace(' ', "%20"))
}

/// At most this many readings of one code are tried.
const MAX_READINGS: usize = 4096;

/// The ways to read a code's text (the whole URL, or the part after `#`).
/// A browser shows the code's spaces as `%20`, but `%20` is also three
/// base45 characters (about one code in two hundred has them). So every
/// `%20` is read as a space first (the browser's reading), then none (the
/// code as a QR decoder gives it), then all but one, all but two, … as
/// three characters, up to `MAX_READINGS`. Only a signature tells the
/// right one.
pub fn readings(text: &str) -> Vec<String> {
    let text = text.trim();
    let b45 = text.rsplit_once('#').map_or(text, |(_, f)| f);
    let parts: Vec<&str> = b45.split("%20").collect();
    let n = parts.len() - 1;
    if n == 0 {
        return vec![b45.to_string()];
    }
    // `literal[i]`: the i-th `%20` is three characters.
    let join = |literal: &[bool]| {
        let mut out = String::with_capacity(b45.len());
        for (i, p) in parts.iter().enumerate() {
            out.push_str(p);
            if i < n {
                out.push_str(if literal[i] { "%20" } else { " " });
            }
        }
        out
    };
    let mut out = vec![join(&vec![false; n]), join(&vec![true; n])];
    // Then by the number of literal occurrences, fewest first.
    for k in 1..n {
        let mut pick: Vec<usize> = (0..k).collect();
        loop {
            if out.len() >= MAX_READINGS {
                return out;
            }
            let mut literal = vec![false; n];
            for &i in &pick {
                literal[i] = true;
            }
            out.push(join(&literal));
            // The next k-combination of 0..n, in lexicographic order.
            let Some(i) = (0..k).rev().find(|&i| pick[i] < n - k + i) else {
                break;
            };
            pick[i] += 1;
            for j in i + 1..k {
                pick[j] = pick[j - 1] + 1;
            }
        }
    }
    out
}

/// Reads a seal from a code's text: the first of its `readings` that is
/// a well-formed seal.
pub fn parse(text: &str) -> Result<Seal, SealError> {
    let mut first = None;
    for r in readings(text) {
        match base45::decode(&r)
            .map_err(|e| malformed(format!("not base45: {e:?}")))
            .and_then(|bytes| from_bytes(&bytes))
        {
            Ok(seal) => return Ok(seal),
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    Err(first.unwrap_or_else(|| malformed("empty")))
}

/// Why a code is not a valid seal, with what it claims if it is a
/// well-formed one.
#[derive(Debug)]
pub struct Rejected {
    pub claimed: Option<Seal>,
    pub why: Invalid,
}

/// Checks a code's text against `keys`: every reading that is a
/// well-formed seal is verified, and the first valid one wins. Otherwise
/// why not, with the first well-formed seal (what the code claims), if any.
pub fn check<'k>(text: &str, keys: &'k [TrustedKey]) -> Result<(Seal, &'k TrustedKey), Box<Rejected>> {
    let mut failed: Option<(Option<Seal>, Invalid)> = None;
    for r in readings(text) {
        let seal = match base45::decode(&r)
            .map_err(|e| malformed(format!("not base45: {e:?}")))
            .and_then(|bytes| from_bytes(&bytes))
        {
            Ok(seal) => seal,
            Err(e) => {
                failed.get_or_insert((None, Invalid::Malformed(e)));
                continue;
            }
        };
        match verify(&seal, keys) {
            Ok(key) => return Ok((seal, key)),
            // A well-formed seal's problem says more than a misreading's.
            Err(e) => {
                if failed.as_ref().is_none_or(|(s, _)| s.is_none()) {
                    failed = Some((Some(seal), e));
                }
            }
        }
    }
    let (claimed, why) = failed.unwrap_or((None, Invalid::Malformed(malformed("empty"))));
    Err(Box::new(Rejected { claimed, why }))
}

/// Reads a seal from its CBOR bytes.
pub fn from_bytes(bytes: &[u8]) -> Result<Seal, SealError> {
    let v = cbor_one(bytes, "seal")?;
    let Value::Array(items) = v else {
        return Err(malformed("a seal is an array"));
    };
    let [format, payload, sigs] =
        <[Value; 3]>::try_from(items).map_err(|items| malformed(format!("a seal has 3 items, not {}", items.len())))?;
    match format {
        Value::Integer(i) if i128::from(i) == i128::from(FORMAT) => {}
        Value::Integer(i) => return Err(SealError::Format(u64::try_from(i128::from(i)).unwrap_or(u64::MAX))),
        _ => return Err(malformed("format is not an integer")),
    }
    let Value::Bytes(payload_bytes) = payload else {
        return Err(malformed("payload is not a byte string"));
    };
    let Value::Array(sigs) = sigs else {
        return Err(malformed("signatures is not an array"));
    };
    let signatures = sigs
        .into_iter()
        .map(|s| {
            let Value::Array(parts) = s else {
                return Err(malformed("a signature is not an array"));
            };
            let [alg, kid, sig] = <[Value; 3]>::try_from(parts).map_err(|_| malformed("a signature has 3 items"))?;
            let alg = match alg {
                Value::Integer(i) => u64::try_from(i128::from(i)).map_err(|_| malformed("alg is negative"))?,
                _ => return Err(malformed("alg is not an integer")),
            };
            let key_id = match kid {
                Value::Bytes(b) => <[u8; 8]>::try_from(b.as_slice()).map_err(|_| malformed("key_id is not 8 bytes"))?,
                _ => return Err(malformed("key_id is not bytes")),
            };
            let Value::Bytes(bytes) = sig else {
                return Err(malformed("signature is not bytes"));
            };
            Ok(Signature { alg, key_id, bytes })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if signatures.is_empty() {
        return Err(malformed("no signature"));
    }
    let payload = Payload::from_bytes(&payload_bytes)?;
    Ok(Seal {
        payload_bytes,
        payload,
        signatures,
    })
}

/// A trusted public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    pub terminal: String,
    pub public: VerifyingKey,
    /// Unix seconds: documents issued in [not_before, not_after] only.
    pub not_before: u64,
    pub not_after: u64,
    /// Revoked: nothing it signed is trusted.
    pub revoked: bool,
}

/// Why a seal is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("{0}")]
    Malformed(#[from] SealError),
    #[error("unknown key {0}: not in the keyring")]
    UnknownKey(String),
    #[error("key {0} is revoked")]
    Revoked(String),
    #[error("issued outside key {key}'s validity period")]
    OutsideValidity { key: String },
    #[error("key {key} belongs to terminal {owner}, not {claimed}")]
    WrongTerminal {
        key: String,
        owner: String,
        claimed: String,
    },
    #[error("bad signature: the document's data was changed or the seal was not made by key {0}")]
    BadSignature(String),
    #[error("no signature this verifier can check (algorithms {0:?})")]
    UnsupportedAlgorithm(Vec<u64>),
    #[error("key {0} is in the keyring more than once: the keyring must list each key once")]
    DuplicateKey(String),
}

impl Invalid {
    /// The reason's code, the same as the verification page's.
    pub fn code(&self) -> &'static str {
        match self {
            Invalid::Malformed(_) => "malformed",
            Invalid::UnknownKey(_) => "unknown-key",
            Invalid::Revoked(_) => "revoked",
            Invalid::OutsideValidity { .. } => "outside-validity",
            Invalid::WrongTerminal { .. } => "wrong-terminal",
            Invalid::BadSignature(_) => "bad-signature",
            Invalid::UnsupportedAlgorithm(_) => "unsupported",
            Invalid::DuplicateKey(_) => "duplicate-key",
        }
    }
}

/// Hex of bytes.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Checks `seal` against the trusted keys. Every Ed25519 signature must
/// verify; at least one is needed. (SM2 signatures, once issued, are
/// checked by verifiers that implement SM2; this one reports them.)
pub fn verify<'k>(seal: &Seal, keys: &'k [TrustedKey]) -> Result<&'k TrustedKey, Invalid> {
    let mut trusted = None;
    let message = signed_message(&seal.payload_bytes);
    for sig in seal.signatures.iter().filter(|s| s.alg == ALG_ED25519) {
        let kid = hex(&sig.key_id);
        let mut matching = keys.iter().filter(|k| key_id(&k.public) == sig.key_id);
        let key = matching.next().ok_or_else(|| Invalid::UnknownKey(kid.clone()))?;
        if matching.next().is_some() {
            // Which entry counts (a revoked one?) must not depend on order.
            return Err(Invalid::DuplicateKey(kid));
        }
        let bytes = <[u8; 64]>::try_from(sig.bytes.as_slice()).map_err(|_| Invalid::BadSignature(kid.clone()))?;
        key.public
            .verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&bytes))
            .map_err(|_| Invalid::BadSignature(kid.clone()))?;
        if key.revoked {
            return Err(Invalid::Revoked(kid));
        }
        if key.terminal != seal.payload.terminal {
            return Err(Invalid::WrongTerminal {
                key: kid,
                owner: key.terminal.clone(),
                claimed: seal.payload.terminal.clone(),
            });
        }
        if seal.payload.issued < key.not_before || seal.payload.issued > key.not_after {
            return Err(Invalid::OutsideValidity { key: kid });
        }
        trusted = Some(key);
    }
    trusted.ok_or_else(|| Invalid::UnsupportedAlgorithm(seal.signatures.iter().map(|s| s.alg).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn payload() -> Payload {
        Payload {
            document_id: "587P4WJMKKC8WCVR".into(),
            service: "enrollment-certificate".into(),
            terminal: "LIB-1F-01".into(),
            issued: 1_795_397_400,
            fields: [("name", "王小明"), ("student_id", "2023011234"), ("status", "在读")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            digest: [0xAB; 16],
        }
    }

    fn trusted() -> Vec<TrustedKey> {
        vec![TrustedKey {
            terminal: "LIB-1F-01".into(),
            public: key().verifying_key(),
            not_before: 1_700_000_000,
            not_after: 1_900_000_000,
            revoked: false,
        }]
    }

    #[test]
    fn a_seal_round_trips_through_its_code() {
        let code = to_code("HTTPS://VERIFY.EXAMPLE.EDU.CN/V", &sign(&payload(), &key()));
        let seal = parse(&code).unwrap();
        assert_eq!(seal.payload, payload());
        let keys = trusted();
        let k = verify(&seal, &keys).unwrap();
        assert_eq!(k.terminal, "LIB-1F-01");
        // A browser's %20 for base45's space.
        assert!(parse(&code.replace(' ', "%20")).is_ok());
    }

    #[test]
    fn every_single_byte_change_fails() {
        let bytes = sign(&payload(), &key());
        let keys = trusted();
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x80] {
                let mut b = bytes.clone();
                b[i] ^= flip;
                if let Ok(seal) = from_bytes(&b) {
                    assert!(verify(&seal, &keys).is_err(), "byte {i} ^ {flip:#x} still verifies");
                }
            }
        }
    }

    #[test]
    fn revoked_expired_unknown_and_foreign_keys_fail() {
        let seal = from_bytes(&sign(&payload(), &key())).unwrap();
        let mut keys = trusted();
        keys[0].revoked = true;
        assert!(matches!(verify(&seal, &keys), Err(Invalid::Revoked(_))));
        let mut keys = trusted();
        keys[0].not_after = 1_795_397_399;
        assert!(matches!(verify(&seal, &keys), Err(Invalid::OutsideValidity { .. })));
        let mut keys = trusted();
        keys[0].terminal = "OTHER".into();
        assert!(matches!(verify(&seal, &keys), Err(Invalid::WrongTerminal { .. })));
        let other = SigningKey::from_bytes(&[9u8; 32]);
        let seal = from_bytes(&sign(&payload(), &other)).unwrap();
        assert!(matches!(verify(&seal, &trusted()), Err(Invalid::UnknownKey(_))));
    }

    #[test]
    fn a_code_whose_base45_holds_percent_20_verifies_raw_and_as_a_browser_shows_it() {
        // About one seal in two hundred has "%20" among its base45
        // characters: find one.
        let k = key();
        let trusted = [TrustedKey {
            terminal: "LIB-1F-01".into(),
            public: k.verifying_key(),
            not_before: 0,
            not_after: u64::MAX,
            revoked: false,
        }];
        let b45 = (0..100_000)
            .map(|i| {
                let mut p = payload();
                p.document_id = format!("DOC{i:06}");
                base45::encode(sign(&p, &k))
            })
            .find(|c| c.contains("%20") && c.contains(' '))
            .expect("some seal's base45 holds %20 and a space");
        let code = format!("HTTPS://V.EXAMPLE/V#{b45}");
        // As printed (spaces as %20), and as base45 with its spaces.
        for text in [code.replace(' ', "%20"), code.clone()] {
            let (seal, _) = check(&text, &trusted).unwrap_or_else(|r| panic!("{text}: {}", r.why));
            assert!(seal.payload.document_id.starts_with("DOC"));
        }
        // n occurrences: all spaces, none, then every single one literal…
        let n = code.replace(' ', "%20").matches("%20").count();
        let r = readings(&code.replace(' ', "%20"));
        assert_eq!(r.len(), (1usize << n).min(MAX_READINGS));
        assert!(!r[0].contains("%20") && r[1].matches("%20").count() == n);
        assert_eq!(r[2].matches("%20").count(), 1);
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        for text in [
            "",
            "#",
            "HTTPS://X/V#",
            "HTTPS://X/V#$$$",
            "HTTPS://X/V#0000",
            "not base45 at all ~",
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
    }
}
