//! The link guard: links found in fetched content (a feed item's link, a redirect from it), and
//! redirects from a public source to another host, may not point nahar at loopback, private or
//! otherwise non-public addresses unless `[http] allow_private_links = true`. A configured source
//! URL itself never passes through here: the user wrote it, so it is trusted as written, and so
//! are its redirects on the same host or, when its host is not public, to any host.
//!
//! In: a link's URL, each redirect hop's URL, a source's URL (is its host public?), and the
//! addresses a host name resolves to when a connection is made. Out: the URL or the addresses that may be used, or a [`Refusal`] saying
//! which address was refused, why, and which setting allows it.
//! Never: lets a connection for a link reach a non-public address while the guard is on, trusts a
//! host name without looking at what it resolves to, or resolves a name twice (once to check and
//! once to connect — the second answer could differ: DNS rebinding).
//!
//! Design. Links use their own `reqwest::Client` (see `super::http`), so no connection is shared
//! with the trusted source client, with three checks:
//! - [`check_link`] before a request: the scheme must be http or https, and a host that is an IP
//!   literal must be public. The `url` crate's WHATWG parser has already turned decimal, octal and
//!   hex spellings (`2130706433`, `0177.0.0.1`, `0x7f.1`) into the IPv4 address they mean, and
//!   IPv6 hosts into their address. Literals must be checked here because the connector dials an
//!   IP-literal host directly, without asking any resolver.
//! - [`PublicOnlyResolver`], the link client's DNS resolver: a name is resolved once, the
//!   non-public addresses are dropped, and the connector receives only what remains; when nothing
//!   remains the connection fails with a [`Refusal`]. Checking at connect time, on the very
//!   addresses dialled, is what makes a name like `localhost`, or a name whose DNS answer changes
//!   between two lookups, harmless.
//! - Redirects are followed by `super::http` one hop at a time: every hop of a link, and every
//!   hop of a public source from its first redirect to another host on ([`is_public_host`]),
//!   goes through [`check_link`] again (a public page redirecting to `http://127.0.0.1/` is
//!   refused) and is sent by the guarded client, so a hop to a name is resolved by
//!   [`PublicOnlyResolver`] when its connection is made.
//!
//! The guarded client does not use a proxy from the environment (`HTTP_PROXY`…): a proxy resolves
//! and dials the target itself, where no check of ours can see the address.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// The one setting that lifts the guard, as the user writes it.
const HOW_TO_ALLOW: &str = "set [http] allow_private_links = true to allow it";

/// Why a link, a redirect hop or a resolved name was refused; the text is the whole explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal(pub String);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

/// A [`Refusal`] somewhere in an error's chain of causes (reqwest wraps what the resolver and the
/// redirect policy return).
pub(super) fn refusal_in<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e Refusal> {
    let mut current = Some(error);
    while let Some(cause) = current {
        if let Some(refusal) = cause.downcast_ref::<Refusal>() {
            return Some(refusal);
        }
        current = cause.source();
    }
    None
}

/// What kind of non-public address `ip` is (`"a loopback address"`), or `None` for a public one.
///
/// Besides the ranges every private network uses, this refuses the special-purpose ranges that are
/// never a news site on the internet but can be an address inside the network nahar runs in
/// (documentation, benchmarking and reserved blocks), and looks through IPv6 forms that carry an
/// IPv4 address (mapped, compatible, translated, NAT64, 6to4) at that address.
pub(super) fn non_public(ip: IpAddr) -> Option<String> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4).map(str::to_owned),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let kind = match (a, b, c) {
        _ if ip.is_unspecified() => "the unspecified address",
        _ if ip.is_broadcast() => "the broadcast address",
        (0, _, _) => "a \"this network\" address (0.0.0.0/8)",
        (127, _, _) => "a loopback address",
        (10, _, _) | (192, 168, _) => "a private address",
        (172, 16..=31, _) => "a private address",
        (100, 64..=127, _) => "a shared (carrier-grade NAT) address",
        (169, 254, _) => "a link-local address",
        (192, 0, 0) => "an IETF protocol-assignment address (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (198, 18..=19, _) => "a benchmarking address (198.18.0.0/15)",
        (224..=239, _, _) => "a multicast address",
        (240..=255, _, _) => "a reserved address (240.0.0.0/4)",
        _ => return None,
    };
    Some(kind)
}

fn non_public_v6(ip: Ipv6Addr) -> Option<String> {
    let segments = ip.segments();
    let embedded =
        |via: &str, v4: Ipv4Addr| non_public_v4(v4).map(|kind| format!("{via} of {v4}, {kind}"));
    let low_v4 = Ipv4Addr::from(u32::try_from(u128::from(ip) & 0xffff_ffff).unwrap_or(0));
    let kind = match segments {
        _ if ip.is_unspecified() => "the unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        // ::ffff:a.b.c.d — how an IPv6 socket reaches an IPv4 address.
        [0, 0, 0, 0, 0, 0xffff, _, _] => return embedded("an IPv4-mapped address", low_v4),
        // ::ffff:0:a.b.c.d (SIIT translation).
        [0, 0, 0, 0, 0xffff, 0, _, _] => return embedded("an IPv4-translated address", low_v4),
        // ::a.b.c.d, deprecated but still dialled as IPv4 by some stacks.
        [0, 0, 0, 0, 0, 0, _, _] => return embedded("an IPv4-compatible address", low_v4),
        // 64:ff9b::/96, the well-known NAT64 prefix: the translator dials the IPv4 address.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => return embedded("a NAT64 address", low_v4),
        [0x64, 0xff9b, 1, ..] => "a local-use NAT64 address (64:ff9b:1::/48)",
        // 2002::/16, 6to4: the IPv4 address of the relay's far end is in bits 16..48.
        [0x2002, high, low, ..] => {
            let v4 = Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
            return embedded("a 6to4 address", v4);
        }
        // Teredo tunnels to an IPv4 host nahar cannot see from here.
        [0x2001, 0, ..] => "a Teredo tunnel address (2001::/32)",
        [0x2001, 0xdb8, ..] => "a documentation address",
        [0x100, 0, 0, 0, ..] => "a discard-only address (100::/64)",
        [first, ..] if first & 0xfe00 == 0xfc00 => "a unique-local address (fc00::/7)",
        [first, ..] if first & 0xffc0 == 0xfe80 => "a link-local address",
        [first, ..] if first & 0xffc0 == 0xfec0 => "a site-local address (fec0::/10)",
        [first, ..] if first & 0xff00 == 0xff00 => "a multicast address",
        _ => return None,
    };
    Some(kind.to_owned())
}

/// Checks a link, or a redirect hop, before any request: http(s) only, and, unless
/// `allow_private`, an IP-literal host must be public (names are checked by
/// [`PublicOnlyResolver`] on the addresses actually dialled).
pub(super) fn check_link(url: &Url, allow_private: bool) -> Result<(), Refusal> {
    let scheme = url.scheme();
    if scheme != "http" && scheme != "https" {
        return Err(Refusal(format!(
            "{scheme}: links are not fetched; only http and https links are"
        )));
    }
    if allow_private {
        return Ok(());
    }
    let ip = match url.host() {
        Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
        // The WHATWG parser turns every IPv4 spelling into `Host::Ipv4`; this only guards
        // against a name that the connector would still read as an address.
        Some(Host::Domain(name)) => match name.parse::<IpAddr>() {
            Ok(ip) => ip,
            Err(_) => return Ok(()),
        },
        None => return Err(Refusal(format!("{url} has no host"))),
    };
    match non_public(ip) {
        Some(kind) => Err(Refusal(format!("{ip} is {kind}; {HOW_TO_ALLOW}"))),
        None => Ok(()),
    }
}

/// The addresses of `name` that may be dialled: the public ones. None left is a [`Refusal`] that
/// names what the name resolved to.
pub(super) fn public_only(name: &str, addrs: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, Refusal> {
    let (public, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = addrs
        .into_iter()
        .partition(|addr| non_public(addr.ip()).is_none());
    if !public.is_empty() {
        if !refused.is_empty() {
            tracing::debug!(
                name,
                refused = refused.len(),
                "Dropped the non-public addresses of a link's host."
            );
        }
        return Ok(public);
    }
    let described: Vec<String> = refused
        .iter()
        .map(|addr| {
            let ip = addr.ip();
            format!("{ip}, {}", non_public(ip).unwrap_or_default())
        })
        .collect();
    Err(Refusal(match described.as_slice() {
        [] => format!("{name} resolves to no address"),
        [one] => format!("{name} resolves to {one}; {HOW_TO_ALLOW}"),
        many => format!(
            "{name} resolves only to non-public addresses ({}); {HOW_TO_ALLOW}",
            many.join("; ")
        ),
    }))
}

/// The guarded link client's resolver: the system resolver (`getaddrinfo`, on the blocking pool),
/// then [`public_only`].
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let name = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: the connector puts the URL's port in.
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let public = public_only(&name, addrs)?;
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// Whether a configured source's host is public, which decides whether its redirects to other
/// hosts are checked (see `super::http::Trust`): an IP literal by its address, a name by what
/// the system resolver says now — public if any of its addresses is. A name that does not
/// resolve counts as public, so that the checks stay on.
pub(super) async fn is_public_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(v4)) => non_public(IpAddr::V4(v4)).is_none(),
        Some(Host::Ipv6(v6)) => non_public(IpAddr::V6(v6)).is_none(),
        Some(Host::Domain(name)) => {
            let port = url.port_or_known_default().unwrap_or(80);
            match tokio::net::lookup_host((name, port)).await {
                Ok(addrs) => {
                    let addrs: Vec<SocketAddr> = addrs.collect();
                    addrs.is_empty() || addrs.iter().any(|addr| non_public(addr.ip()).is_none())
                }
                Err(_) => true,
            }
        }
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse()
            .unwrap_or_else(|e| panic!("{text} is not an address: {e}"))
    }

    #[test]
    fn addresses_are_classified() {
        let refused = [
            ("0.0.0.0", "the unspecified address"),
            ("0.1.2.3", "this network"),
            ("127.0.0.1", "a loopback address"),
            ("127.255.255.254", "a loopback address"),
            ("10.0.0.1", "a private address"),
            ("10.255.255.255", "a private address"),
            ("172.16.0.1", "a private address"),
            ("172.31.255.255", "a private address"),
            ("192.168.1.1", "a private address"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.255", "carrier-grade NAT"),
            ("169.254.169.254", "a link-local address"),
            ("192.0.0.8", "IETF"),
            ("192.0.2.2", "a documentation address"),
            ("198.51.100.7", "a documentation address"),
            ("203.0.113.9", "a documentation address"),
            ("198.18.0.1", "benchmarking"),
            ("224.0.0.1", "a multicast address"),
            ("239.255.255.250", "a multicast address"),
            ("240.0.0.1", "a reserved address"),
            ("255.255.255.255", "the broadcast address"),
            ("::", "the unspecified address"),
            ("::1", "a loopback address"),
            ("fe80::1", "a link-local address"),
            ("febf::1", "a link-local address"),
            ("fc00::1", "a unique-local address"),
            ("fd12:3456::1", "a unique-local address"),
            ("fec0::1", "a site-local address"),
            ("ff02::1", "a multicast address"),
            (
                "::ffff:127.0.0.1",
                "an IPv4-mapped address of 127.0.0.1, a loopback address",
            ),
            (
                "::ffff:10.1.2.3",
                "an IPv4-mapped address of 10.1.2.3, a private address",
            ),
            ("::ffff:169.254.169.254", "a link-local address"),
            (
                "::ffff:0:192.168.0.1",
                "an IPv4-translated address of 192.168.0.1",
            ),
            ("::127.0.0.1", "an IPv4-compatible address of 127.0.0.1"),
            ("64:ff9b::7f00:1", "a NAT64 address of 127.0.0.1"),
            ("64:ff9b:1::1", "local-use NAT64"),
            ("2002:7f00:1::1", "a 6to4 address of 127.0.0.1"),
            ("2002:c0a8:101::1", "a 6to4 address of 192.168.1.1"),
            ("2001:0:4136:e378::1", "Teredo"),
            ("2001:db8::1", "a documentation address"),
            ("100::1", "discard-only"),
        ];
        for (address, kind) in refused {
            let found = non_public(ip(address));
            assert!(
                found.as_deref().is_some_and(|k| k.contains(kind)),
                "{address}: expected {kind:?}, got {found:?}"
            );
        }
        let public = [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.1",
            "169.253.0.1",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2a00:1450:4001:80b::200e",
            "2606:4700::6810:84e5",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2001:4860:4860::8888",
        ];
        for address in public {
            assert_eq!(non_public(ip(address)), None, "{address}");
        }
    }

    fn link(text: &str) -> Url {
        Url::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn links_to_literal_non_public_hosts_are_refused_in_every_spelling() {
        for (text, shown) in [
            ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
            ("http://2130706433/", "127.0.0.1 is a loopback address"),
            ("http://0177.0.0.1/", "127.0.0.1 is a loopback address"),
            ("http://0x7f.1/", "127.0.0.1 is a loopback address"),
            ("http://127.1/", "127.0.0.1 is a loopback address"),
            ("https://0/", "0.0.0.0 is the unspecified address"),
            ("http://[::1]:8080/", "::1 is a loopback address"),
            (
                "http://[::ffff:127.0.0.1]/",
                "IPv4-mapped address of 127.0.0.1",
            ),
            (
                "http://[::ffff:7f00:1]/",
                "IPv4-mapped address of 127.0.0.1",
            ),
            (
                "http://169.254.169.254/latest/meta-data/",
                "a link-local address",
            ),
            ("http://[fd00::1]/", "a unique-local address"),
            (
                "http://0xA9FEA9FE/",
                "169.254.169.254 is a link-local address",
            ),
        ] {
            match check_link(&link(text), false) {
                Err(Refusal(why)) => {
                    assert!(why.contains(shown), "{text}: {why}");
                    assert!(why.contains("allow_private_links = true"), "{text}: {why}");
                }
                Ok(()) => panic!("{text} was let through"),
            }
            assert_eq!(check_link(&link(text), true), Ok(()), "{text}");
        }
        for text in [
            "http://example.com/a",
            "https://8.8.8.8/",
            "http://[2606:4700::6810:84e5]/",
            // A name: checked on its resolved addresses when the connection is made.
            "http://localhost/",
        ] {
            assert_eq!(check_link(&link(text), false), Ok(()), "{text}");
        }
    }

    #[test]
    fn only_http_and_https_are_links() {
        for (text, scheme) in [
            ("javascript:alert(1)", "javascript"),
            ("data:text/html,<p>hi</p>", "data"),
            ("file:///etc/passwd", "file"),
            ("ftp://example.com/a", "ftp"),
        ] {
            for allow in [false, true] {
                match check_link(&link(text), allow) {
                    Err(Refusal(why)) => {
                        assert!(why.starts_with(&format!("{scheme}: links")), "{why}");
                        assert!(why.contains("only http and https"), "{why}");
                    }
                    Ok(()) => panic!("{text} was let through"),
                }
            }
        }
    }

    fn addr(text: &str) -> SocketAddr {
        SocketAddr::new(ip(text), 0)
    }

    #[test]
    fn a_name_keeps_only_its_public_addresses() {
        assert_eq!(
            public_only(
                "mixed.example",
                vec![addr("127.0.0.1"), addr("93.184.215.14")]
            ),
            Ok(vec![addr("93.184.215.14")])
        );
        assert_eq!(
            public_only("localhost", vec![addr("127.0.0.1")]),
            Err(Refusal(
                "localhost resolves to 127.0.0.1, a loopback address; set [http] \
                 allow_private_links = true to allow it"
                    .to_owned()
            ))
        );
        let both = public_only("localhost", vec![addr("::1"), addr("127.0.0.1")]);
        assert!(
            matches!(&both, Err(Refusal(why)) if why.starts_with(
                "localhost resolves only to non-public addresses (::1, a loopback address; \
                 127.0.0.1, a loopback address)"
            )),
            "{both:?}"
        );
        assert!(public_only("nothing.example", Vec::new()).is_err());
    }

    #[tokio::test]
    async fn the_resolver_refuses_localhost() {
        let name: Name = match "localhost".parse() {
            Ok(name) => name,
            Err(_) => panic!("localhost is a name"),
        };
        match PublicOnlyResolver.resolve(name).await {
            Ok(addrs) => panic!("localhost let through: {:?}", addrs.collect::<Vec<_>>()),
            Err(error) => {
                let refusal = refusal_in(error.as_ref());
                assert!(
                    refusal.is_some_and(|r| r.0.contains("a loopback address")),
                    "{error}"
                );
            }
        }
    }
}
