//! The technician PIN, stored as a salted, memory-hard argon2id hash in
//! PHC string form (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`): a 4–12 digit
//! PIN hashed with plain SHA-256 is recovered from the file in under a
//! second; this costs an attacker about 19 MiB and tens of milliseconds
//! per guess. Pure: the salt is given.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2};

/// Whether `pin` is a PIN: 4 to 12 digits.
pub fn is_pin(pin: &str) -> bool {
    (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// The stored form of `pin` with `salt` (16 random bytes).
pub fn hash(pin: &str, salt: &[u8; 16]) -> Result<String, String> {
    let salt = SaltString::encode_b64(salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a stored hash's form: argon2id, with a salt and parameters no
/// weaker than the defaults.
pub fn check_stored(stored: &str) -> Result<(), String> {
    let h = PasswordHash::new(stored).map_err(|e| format!("not an argon2id hash from `kiosk pin-hash` ({e})"))?;
    if h.algorithm != Algorithm::Argon2id.ident() || h.salt.is_none() || h.hash.is_none() {
        return Err("not an argon2id hash from `kiosk pin-hash`".into());
    }
    let p = argon2::Params::try_from(&h).map_err(|e| e.to_string())?;
    if p.m_cost() < 19_456 || p.t_cost() < 2 {
        return Err("the hash is weaker than argon2id m=19456,t=2: make it again with `kiosk pin-hash`".into());
    }
    Ok(())
}

/// Whether `pin` is the PIN of `stored`.
pub fn matches(pin: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(pin.as_bytes(), &h).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_salted_and_matches_only_its_pin() {
        let a = hash("2468", &[1; 16]).unwrap();
        let b = hash("2468", &[2; 16]).unwrap();
        assert_ne!(a, b, "a salt makes the same PIN hash differently");
        assert!(a.starts_with("$argon2id$"));
        check_stored(&a).unwrap();
        assert!(matches("2468", &a) && matches("2468", &b));
        assert!(!matches("2469", &a) && !matches("", &a));
        assert!(!matches(
            "2468",
            "a1fb4e703a9ef1fa4936801721ff285a97ac85330856674412e054892afe6972"
        ));
    }

    #[test]
    fn unsalted_or_weak_hashes_are_refused() {
        assert!(check_stored("a1fb4e703a9ef1fa4936801721ff285a97ac85330856674412e054892afe6972").is_err());
        assert!(
            check_stored(
                "$argon2i$v=19$m=19456,t=2,p=1$Y2FtcHVzLWtpb3NrLWRlbQ$Fhzgwo24tk+Nqxud8eba06gY1ax1jTicYDwA9k4+CUY"
            )
            .is_err()
        );
        assert!(
            check_stored(
                "$argon2id$v=19$m=64,t=1,p=1$Y2FtcHVzLWtpb3NrLWRlbQ$Fhzgwo24tk+Nqxud8eba06gY1ax1jTicYDwA9k4+CUY"
            )
            .is_err()
        );
        assert!(!is_pin("123") && !is_pin("12a4") && is_pin("2468"));
    }
}
