//! Caps on open connections, overall and per client address, so that one
//! client holding thousands of sockets cannot starve everyone else.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Counts open connections against the two caps.
#[derive(Debug)]
pub struct ConnectionLimits {
    total: Arc<Semaphore>,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    max_per_ip: usize,
    /// Proxies carry many clients' connections, so the per-address cap
    /// does not apply to them.
    exempt: Vec<IpAddr>,
}

/// One admitted connection; dropping it frees its place.
#[derive(Debug)]
pub struct ConnectionPermit {
    _total: OwnedSemaphorePermit,
    counted_ip: Option<(IpAddr, Arc<ConnectionLimits>)>,
}

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The server holds its maximum of connections.
    Full,
    /// This address holds its maximum of connections.
    TooManyFromAddress,
}

impl ConnectionLimits {
    /// At most `max_total` connections, and `max_per_ip` from one address
    /// other than those in `exempt` (0: no per-address cap).
    pub fn new(max_total: usize, max_per_ip: usize, exempt: Vec<IpAddr>) -> Arc<Self> {
        Arc::new(ConnectionLimits {
            total: Arc::new(Semaphore::new(max_total.min(Semaphore::MAX_PERMITS))),
            per_ip: Mutex::new(HashMap::new()),
            max_per_ip,
            exempt,
        })
    }

    /// Admits a connection from `ip` if both caps allow it.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<ConnectionPermit, Refusal> {
        let total = self.total.clone().try_acquire_owned().map_err(|_| Refusal::Full)?;
        if self.max_per_ip == 0 || self.exempt.contains(&ip) {
            return Ok(ConnectionPermit { _total: total, counted_ip: None });
        }
        let mut per_ip = self.per_ip.lock().unwrap_or_else(PoisonError::into_inner);
        let open = per_ip.entry(ip).or_insert(0);
        if *open >= self.max_per_ip {
            return Err(Refusal::TooManyFromAddress);
        }
        *open += 1;
        Ok(ConnectionPermit { _total: total, counted_ip: Some((ip, Arc::clone(self))) })
    }

    /// Connections open from `ip` (counted ones only).
    #[cfg(test)]
    fn open_from(&self, ip: IpAddr) -> usize {
        self.per_ip.lock().unwrap_or_else(PoisonError::into_inner).get(&ip).copied().unwrap_or(0)
    }
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        if let Some((ip, limits)) = self.counted_ip.take() {
            let mut per_ip = limits.per_ip.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(open) = per_ip.get_mut(&ip) {
                *open -= 1;
                if *open == 0 {
                    // Forget the address, so the map only holds clients
                    // that are connected now.
                    per_ip.remove(&ip);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));
    const PROXY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 9));

    #[test]
    fn one_address_cannot_take_more_than_its_share() {
        let limits = ConnectionLimits::new(10, 2, vec![PROXY]);
        let first = limits.admit(CLIENT).expect("first");
        let _second = limits.admit(CLIENT).expect("second");
        assert_eq!(limits.admit(CLIENT).err(), Some(Refusal::TooManyFromAddress));
        assert!(limits.admit(OTHER).is_ok(), "others are not affected");
        drop(first);
        assert!(limits.admit(CLIENT).is_ok(), "a closed connection frees its place");
    }

    #[test]
    fn the_total_cap_holds_for_everyone_including_proxies() {
        let limits = ConnectionLimits::new(3, 1, vec![PROXY]);
        let _proxied: Vec<_> = (0..2).map(|_| limits.admit(PROXY).expect("proxy is exempt per address")).collect();
        let _client = limits.admit(CLIENT).expect("third");
        assert_eq!(limits.admit(OTHER).err(), Some(Refusal::Full));
        assert_eq!(limits.open_from(PROXY), 0, "proxies are not counted per address");
    }

    #[test]
    fn addresses_are_forgotten_when_their_connections_close() {
        let limits = ConnectionLimits::new(10, 5, Vec::new());
        drop(limits.admit(CLIENT).expect("admitted"));
        assert_eq!(limits.open_from(CLIENT), 0);
        assert!(limits.per_ip.lock().expect("lock").is_empty());
    }
}
