//! Artifact signatures, Turborepo's scheme: the `x-artifact-tag` is the unpadded base64 of
//! HMAC-SHA256 over `{"hash":"<key>","teamId":"<team>"}` followed by the artifact's body (the
//! bytes exactly as uploaded). A tag binds the body to its key and team: an artifact moved to
//! another key, edited, or signed with another secret does not verify.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::config::Secret;

type HmacSha256 = Hmac<Sha256>;

/// A running HMAC over one artifact's body (fed as it streams).
pub struct Signer(HmacSha256);

#[derive(serde::Serialize)]
struct Metadata<'a> {
    hash: &'a str,
    #[serde(rename = "teamId")]
    team_id: &'a str,
}

impl Signer {
    /// Starts the HMAC of the artifact stored under `key` for `team`.
    pub fn new(secret: &Secret, key: &str, team: &str) -> Self {
        let mut mac =
            HmacSha256::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes any key");
        let metadata = serde_json::to_string(&Metadata {
            hash: key,
            team_id: team,
        })
        .expect("metadata serialises");
        mac.update(metadata.as_bytes());
        Self(mac)
    }

    /// Feeds body bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The tag (unpadded base64).
    pub fn tag(self) -> String {
        STANDARD_NO_PAD.encode(self.0.finalize().into_bytes())
    }

    /// Whether `tag` (base64, padded or not) is this body's tag, compared in constant time.
    pub fn verify(self, tag: &str) -> bool {
        let tag = tag.trim();
        let decoded = STANDARD_NO_PAD
            .decode(tag)
            .or_else(|_| STANDARD.decode(tag));
        match decoded {
            Ok(bytes) => self.0.verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }
}

/// The tag of a whole body.
pub fn sign(secret: &Secret, key: &str, team: &str, body: &[u8]) -> String {
    let mut s = Signer::new(secret, key, team);
    s.update(body);
    s.tag()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_binds_body_key_team_and_secret() {
        let k = Secret::new("secret");
        let tag = sign(&k, "abc", "team", b"body");
        let check = |secret: &str, key: &str, team: &str, body: &[u8], tag: &str| {
            let mut s = Signer::new(&Secret::new(secret), key, team);
            s.update(body);
            s.verify(tag)
        };
        assert!(check("secret", "abc", "team", b"body", &tag));
        assert!(check("secret", "abc", "team", b"body", &format!("{tag}=")));
        assert!(!check("secret", "abc", "team", b"bodY", &tag));
        assert!(!check("secret", "abd", "team", b"body", &tag));
        assert!(!check("secret", "abc", "other", b"body", &tag));
        assert!(!check("other", "abc", "team", b"body", &tag));
        assert!(!check("secret", "abc", "team", b"body", "not base64!"));
        assert!(!check("secret", "abc", "team", b"body", ""));
    }

    #[test]
    fn streaming_equals_whole() {
        let k = Secret::new("s");
        let mut s = Signer::new(&k, "h", "t");
        s.update(b"ab");
        s.update(b"cd");
        assert_eq!(s.tag(), sign(&k, "h", "t", b"abcd"));
        // The metadata is Turborepo's: HMAC over `{"hash":…,"teamId":…}` then the body.
        let mut mac = HmacSha256::new_from_slice(b"s").unwrap();
        mac.update(br#"{"hash":"h","teamId":"t"}abcd"#);
        assert_eq!(
            STANDARD_NO_PAD.encode(mac.finalize().into_bytes()),
            sign(&k, "h", "t", b"abcd")
        );
    }
}
