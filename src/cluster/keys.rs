//! The names hosts go by in the group's buckets.
//!
//! In: a source (its URL) or a host name. Out: the key of its host — valid in a key-value
//! bucket, the same on every instance. Never: resolves a name (two names of one address are
//! two hosts).

/// The host a source counts under in the group: its URL's host, `file` for `file:` sources
/// (all of which one instance reads).
pub fn source_host(source: &crate::config::SourceConfig) -> String {
    match &source.location {
        crate::config::SourceLocation::Http(url) => host_key(url.host_str().unwrap_or_default()),
        crate::config::SourceLocation::File(_) => "file".to_owned(),
    }
}

/// The key of a host in the leases bucket: lower case, every byte a key may not hold (`:` of
/// an IPv6 address, brackets) as `_`. `file:` sources are the host `file`.
pub fn host_key(host: &str) -> String {
    let key: String = host
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let key = key.trim_matches('.');
    if key.is_empty() {
        "_".to_owned()
    } else {
        key.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_keys_are_valid_bucket_keys() {
        assert_eq!(host_key("WWW.Ynet.co.il"), "www.ynet.co.il");
        assert_eq!(host_key("[::1]"), "___1_");
        assert_eq!(host_key("127.0.0.1"), "127.0.0.1");
        assert_eq!(host_key("."), "_");
    }
}
