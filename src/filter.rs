//! The connections a run reports (`--sni`, `--server`, `--client`,
//! `--port`): a connection is kept when it matches every kind of filter
//! given, and any of the values given for one kind. The endpoints are
//! checked as soon as a connection's first packet is seen (before its
//! packets are analysed: a filtered run is faster), in both orientations
//! since the client is not known yet; the exact check, with the sides and
//! the SNI, is made when the connection is judged.

use std::net::{IpAddr, SocketAddr};

/// `--server IP[:PORT]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerSpec {
    pub ip: IpAddr,
    pub port: Option<u16>,
}

impl std::str::FromStr for ServerSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(ServerSpec { ip, port: None });
        }
        if let Ok(sa) = s.parse::<SocketAddr>() {
            return Ok(ServerSpec {
                ip: sa.ip(),
                port: Some(sa.port()),
            });
        }
        Err(format!("{s:?} is not IP, IP:PORT or [IPv6]:PORT"))
    }
}

/// An SNI pattern: `*` stands for any run of characters within one label
/// (as in a wildcard certificate name); case does not matter. `-`: no SNI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SniPattern {
    None,
    Glob(String),
}

impl std::str::FromStr for SniPattern {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "" => Err("an empty SNI pattern (`-` is for connections without SNI)".into()),
            "-" => Ok(SniPattern::None),
            _ => Ok(SniPattern::Glob(s.to_ascii_lowercase())),
        }
    }
}

/// `pattern` (lower case) matches `name`: `*` is any run of characters
/// other than `.`.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => {
            // The star takes 0..n characters of this label.
            let label = name.iter().position(|c| *c == b'.').unwrap_or(name.len());
            (0..=label).any(|k| glob(rest, &name[k..]))
        }
        Some((c, rest)) => name
            .split_first()
            .is_some_and(|(n, more)| n.to_ascii_lowercase() == *c && glob(rest, more)),
    }
}

impl SniPattern {
    pub fn matches(&self, sni: Option<&str>) -> bool {
        match (self, sni) {
            (SniPattern::None, None) => true,
            (SniPattern::Glob(p), Some(s)) => glob(p.as_bytes(), s.as_bytes()),
            _ => false,
        }
    }
}

/// The run's filters; empty: every connection is kept.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub sni: Vec<SniPattern>,
    pub server: Vec<ServerSpec>,
    pub client: Vec<IpAddr>,
    pub port: Vec<u16>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.sni.is_empty() && self.server.is_empty() && self.client.is_empty() && self.port.is_empty()
    }

    fn server_ok(&self, server: SocketAddr) -> bool {
        (self.server.is_empty())
            || (self.server.iter()).any(|s| s.ip == server.ip() && s.port.is_none_or(|p| p == server.port()))
    }

    fn client_ok(&self, client: SocketAddr) -> bool {
        self.client.is_empty() || self.client.contains(&client.ip())
    }

    fn port_ok(&self, server: SocketAddr) -> bool {
        self.port.is_empty() || self.port.contains(&server.port())
    }

    /// Whether a connection between `a` and `b` (either may be the
    /// client) can be kept, before its packets are looked at.
    pub fn may_keep(&self, a: SocketAddr, b: SocketAddr) -> bool {
        let as_client = |c: SocketAddr, s: SocketAddr| self.client_ok(c) && self.server_ok(s) && self.port_ok(s);
        as_client(a, b) || as_client(b, a)
    }

    /// Whether the connection from `client` to `server` with this SNI is kept.
    pub fn keeps(&self, client: SocketAddr, server: SocketAddr, sni: Option<&str>) -> bool {
        self.client_ok(client)
            && self.server_ok(server)
            && self.port_ok(server)
            && (self.sni.is_empty() || self.sni.iter().any(|p| p.matches(sni)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn sni_patterns_are_wildcard_names() {
        let p = |s: &str| s.parse::<SniPattern>().unwrap();
        assert!(p("*.company.com").matches(Some("backend.Company.com")));
        assert!(
            !p("*.company.com").matches(Some("a.b.company.com")),
            "one label, as in certificates"
        );
        assert!(!p("*.company.com").matches(Some("company.com")));
        assert!(p("api-*.example.org").matches(Some("api-eu1.example.org")));
        assert!(p("backend.company.com").matches(Some("BACKEND.company.com")));
        assert!(!p("backend.company.com").matches(None));
        assert!(p("-").matches(None) && !p("-").matches(Some("x")));
        assert!("".parse::<SniPattern>().is_err());
    }

    #[test]
    fn a_connection_is_kept_when_every_kind_matches_and_any_value_of_each() {
        let f = Filters {
            server: vec!["10.0.0.2:443".parse().unwrap(), "2001:db8::2".parse().unwrap()],
            port: vec![443, 8443],
            client: vec![],
            sni: vec!["*.company.com".parse().unwrap(), "-".parse().unwrap()],
        };
        let (c, s) = (sa("10.0.0.1:40000"), sa("10.0.0.2:443"));
        assert!(f.keeps(c, s, Some("api.company.com")));
        assert!(f.keeps(c, s, None));
        assert!(!f.keeps(c, s, Some("other.org")));
        assert!(!f.keeps(s, c, Some("api.company.com")), "the sides count");
        assert!(f.may_keep(s, c), "before the sides are known, either way");
        assert!(!f.may_keep(c, sa("10.0.0.3:443")));
        assert!(f.keeps(c, sa("[2001:db8::2]:8443"), None));
        assert!(!f.keeps(c, sa("[2001:db8::2]:80"), None), "--port applies too");
        assert!("[2001:db8::2]:443".parse::<ServerSpec>().is_ok());
        assert!("backend:443".parse::<ServerSpec>().is_err());
        assert!(Filters::default().is_empty() && Filters::default().keeps(c, s, None));
    }
}
