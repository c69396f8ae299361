//! Does the leaf name the host the client meant? RFC 6125 matching of DNS
//! names (wildcards), IP addresses, the CN only without SANs, IDNA.

use super::Defect;
use super::facts::LeafNames;
use crate::escape;

pub(super) fn hostname_finding(n: &LeafNames, host: &str) -> Option<Defect> {
    if hostname_matches(n, host) {
        return None;
    }
    let presented = if n.dns.is_empty() && n.ips.is_empty() {
        n.cn.clone()
            .map(|c| format!("CN={c}"))
            .unwrap_or_else(|| "no name".into())
    } else {
        let mut v: Vec<String> = n.dns.clone();
        v.extend(n.ips.iter().map(|i| i.to_string()));
        v.join(", ")
    };
    // `host` is escaped already (from the SNI's bytes, or --host).
    Some(Defect::HostnameMismatch {
        host: host.to_string(),
        presented: escape::text(presented.as_bytes()),
    })
}

fn normalize(h: &str) -> String {
    h.trim_end_matches('.').to_ascii_lowercase()
}

/// RFC 6125 matching of one presented DNS name against the reference host.
pub fn dns_name_matches(presented: &str, host: &str) -> bool {
    let p = normalize(presented);
    let h = normalize(host);
    if p.is_empty() || h.is_empty() {
        return false;
    }
    if let Some(rest) = p.strip_prefix("*.") {
        // The wildcard is the whole leftmost label and stands for exactly one label;
        // it never matches a bare registered domain (at least two labels after it).
        if !rest.contains('.') || rest.contains('*') {
            return false;
        }
        match h.split_once('.') {
            Some((first, tail)) => !first.is_empty() && tail == rest,
            None => false,
        }
    } else {
        p == h
    }
}

pub(super) fn hostname_matches(n: &LeafNames, host: &str) -> bool {
    // Certificates carry A-labels (xn--); a host given in Unicode is converted.
    let ascii;
    let host = if host.is_ascii() {
        host
    } else {
        ascii = idna::domain_to_ascii(host).unwrap_or_else(|_| host.to_string());
        ascii.as_str()
    };
    if let Ok(ip) = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
    {
        return n.ips.contains(&ip);
    }
    if !n.dns.is_empty() || !n.ips.is_empty() {
        return n.dns.iter().any(|d| dns_name_matches(d, host));
    }
    // Only without SANs does the CN count.
    n.cn.as_deref().is_some_and(|cn| dns_name_matches(cn, host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_per_rfc6125() {
        assert!(dns_name_matches("*.example.com", "a.example.com"));
        assert!(dns_name_matches("*.example.com", "A.Example.com."));
        assert!(!dns_name_matches("*.example.com", "a.b.example.com"));
        assert!(!dns_name_matches("*.example.com", "example.com"));
        assert!(!dns_name_matches("*.com", "example.com"));
        assert!(dns_name_matches("backend.company.com", "backend.company.com"));
        assert!(!dns_name_matches("backend.apigee.net", "backend.company.com"));
    }

    #[test]
    fn cn_only_without_sans() {
        let n = LeafNames {
            dns: vec![],
            ips: vec![],
            cn: Some("myinstance.com".into()),
        };
        assert!(hostname_matches(&n, "myinstance.com"));
        let n2 = LeafNames {
            dns: vec!["other.com".into()],
            ips: vec![],
            cn: Some("myinstance.com".into()),
        };
        assert!(!hostname_matches(&n2, "myinstance.com"));
        let n3 = LeafNames {
            dns: vec![],
            ips: vec!["10.1.2.3".parse().unwrap()],
            cn: None,
        };
        assert!(hostname_matches(&n3, "10.1.2.3"));
        assert!(!hostname_matches(&n3, "10.1.2.4"));
    }

    #[test]
    fn idna_and_trailing_dots_and_ip() {
        let n = LeafNames {
            dns: vec!["xn--bcher-kva.example".into()],
            ips: vec!["2001:db8::1".parse().unwrap()],
            cn: None,
        };
        assert!(hostname_matches(&n, "bücher.example"));
        assert!(hostname_matches(&n, "xn--bcher-kva.example."));
        assert!(hostname_matches(&n, "2001:db8::1"));
        assert!(hostname_matches(&n, "[2001:db8::1]"));
        assert!(!hostname_matches(&n, "buecher.example"));
    }
}
