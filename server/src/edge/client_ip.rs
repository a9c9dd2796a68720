//! Who the client is, for per-client limits. `X-Forwarded-For` is anyone's
//! to write, so it is believed only when the connection comes from a
//! configured proxy, and then only as far as the proxies' own entries go.

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The address a request came from: the TCP peer, unless the peer is one
/// of `trusted` proxies, in which case the right-most `X-Forwarded-For`
/// entry that is not itself a trusted proxy (entries further left were
/// written by the client and prove nothing).
pub fn client_ip<B>(request: &Request<B>, trusted: &[IpAddr]) -> IpAddr {
    // The accept loop puts the peer on every request; a request without it
    // did not come over the network (a test calling the router directly).
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| addr.ip());
    forwarded_client(peer, request.headers(), trusted)
}

fn forwarded_client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    // Later headers and later entries were added by hops nearer to us.
    let entries = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect::<Vec<_>>();
    for entry in entries.into_iter().rev() {
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            // Garbage where an address should be: stop at the last one we
            // could read rather than trust anything to its left.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const PROXY: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));

    fn forwarded(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn forwarded_for_is_ignored_from_untrusted_peers() {
        assert_eq!(forwarded_client(CLIENT, &forwarded("198.51.100.1"), &[]), CLIENT);
        assert_eq!(forwarded_client(CLIENT, &forwarded("198.51.100.1"), &[PROXY]), CLIENT);
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        assert_eq!(forwarded_client(PROXY, &forwarded("203.0.113.7"), &[PROXY]), CLIENT);
    }

    #[test]
    fn entries_the_client_wrote_itself_are_skipped() {
        // The client sent `X-Forwarded-For: 1.2.3.4`; our proxy appended the
        // address it actually saw.
        assert_eq!(forwarded_client(PROXY, &forwarded("1.2.3.4, 203.0.113.7"), &[PROXY]), CLIENT);
    }

    #[test]
    fn a_trusted_proxy_without_the_header_is_the_client() {
        assert_eq!(forwarded_client(PROXY, &HeaderMap::new(), &[PROXY]), PROXY);
        assert_eq!(forwarded_client(PROXY, &forwarded("not-an-ip"), &[PROXY]), PROXY);
    }
}
