//! Network tests on `sourceipaddress`: `ip_in_cidr(ip, cidr)`, `cidr_contains(cidr, ip)`,
//! `is_private_ip(ip)`. IPv4 and IPv6; an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is
//! compared as IPv4. A `sourceipaddress` that is not an address (an AWS service name such as
//! `ec2.amazonaws.com`, `AWS Internal`) gives NULL; a malformed CIDR is an error.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF};

use super::{DOC_SECTION, StrArg, map_bools, string_udf};

/// A parsed network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Net {
    V4(u32, u8),
    V6(u128, u8),
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

pub(crate) fn parse_ip(s: &str) -> Option<IpAddr> {
    s.trim().parse::<IpAddr>().ok().map(canonical)
}

pub(crate) fn parse_cidr(s: &str) -> Result<Net, String> {
    let t = s.trim();
    let (addr, len) = match t.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (t, None),
    };
    let ip = parse_ip(addr).ok_or_else(|| format!("{s:?} is not a CIDR block (e.g. 10.0.0.0/8 or 2001:db8::/32)"))?;
    match ip {
        IpAddr::V4(v4) => {
            let bits = match len {
                None => 32,
                Some(l) => l
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= 32)
                    .ok_or_else(|| format!("{s:?}: prefix length must be 0–32"))?,
            };
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            Ok(Net::V4(u32::from(v4) & mask, bits))
        }
        IpAddr::V6(v6) => {
            let bits = match len {
                None => 128,
                Some(l) => l
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= 128)
                    .ok_or_else(|| format!("{s:?}: prefix length must be 0–128"))?,
            };
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            Ok(Net::V6(u128::from(v6) & mask, bits))
        }
    }
}

pub(crate) fn contains(net: Net, ip: IpAddr) -> bool {
    match (net, ip) {
        (Net::V4(base, bits), IpAddr::V4(a)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == base
        }
        (Net::V6(base, bits), IpAddr::V6(a)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == base
        }
        _ => false,
    }
}

/// Private, loopback, link-local, carrier-grade NAT and unique-local addresses.
pub(crate) fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || contains(Net::V4(u32::from(Ipv4Addr::new(100, 64, 0, 0)), 10), ip)
        }
        IpAddr::V6(a) => {
            a.is_loopback()
                || contains(Net::V6(u128::from(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0)), 7), ip)
                || contains(Net::V6(u128::from(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0)), 10), ip)
        }
    }
}

/// `ip_in_cidr` with the argument order given by `ip_first`.
fn in_cidr(args: &[ColumnarValue], n: usize, ip_first: bool) -> DfResult<ColumnarValue> {
    let (ip_i, cidr_i) = if ip_first { (0, 1) } else { (1, 0) };
    // A constant CIDR is parsed (and checked) once.
    let fixed = match &args[cidr_i] {
        ColumnarValue::Scalar(_) => {
            let s = StrArg::new(&args[cidr_i])?;
            match s.get(0) {
                Some(c) => Some(Some(parse_cidr(c).map_err(DataFusionError::Execution)?)),
                None => Some(None),
            }
        }
        ColumnarValue::Array(_) => None,
    };
    let mut bad: Option<String> = None;
    let out = map_bools(args, n, |v| {
        let ip = parse_ip(v[ip_i]?)?;
        let net = match fixed {
            Some(f) => f?,
            None => match parse_cidr(v[cidr_i]?) {
                Ok(net) => net,
                Err(e) => {
                    bad.get_or_insert(e);
                    return None;
                }
            },
        };
        Some(contains(net, ip))
    })?;
    match bad {
        Some(e) => Err(DataFusionError::Execution(e)),
        None => Ok(out),
    }
}

string_udf!(
    /// `ip_in_cidr(ip, cidr)`
    IpInCidr, name: "ip_in_cidr", aliases: [], args: [2], returns: DataType::Boolean,
    doc: (DOC_SECTION, "Whether an IP address is in a CIDR block; NULL when the first argument is not an address.", "ip_in_cidr(sourceipaddress, '203.0.113.0/24')"),
    invoke: |a: &[ColumnarValue], n| in_cidr(a, n, true)
);
string_udf!(
    /// `cidr_contains(cidr, ip)`
    CidrContains, name: "cidr_contains", aliases: [], args: [2], returns: DataType::Boolean,
    doc: (DOC_SECTION, "Whether a CIDR block contains an IP address (Trino's contains(cidr, ip) order).", "cidr_contains('10.0.0.0/8', sourceipaddress)"),
    invoke: |a: &[ColumnarValue], n| in_cidr(a, n, false)
);
string_udf!(
    /// `is_private_ip(ip)`
    IsPrivateIp, name: "is_private_ip", aliases: [], args: [1], returns: DataType::Boolean,
    doc: (DOC_SECTION, "Whether an address is private (RFC 1918, RFC 6598, loopback, link-local, IPv6 unique-local); NULL when not an address.", "NOT is_private_ip(sourceipaddress)"),
    invoke: |a: &[ColumnarValue], n| map_bools(a, n, |v| parse_ip(v[0]?).map(is_private))
);

pub(crate) fn udfs() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(IpInCidr::new()),
        ScalarUDF::from(CidrContains::new()),
        ScalarUDF::from(IsPrivateIp::new()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::udf::test_util::call;

    #[test]
    fn cidr_matching() {
        let net = parse_cidr("10.1.0.0/16").unwrap();
        assert!(contains(net, parse_ip("10.1.200.3").unwrap()));
        assert!(!contains(net, parse_ip("10.2.0.1").unwrap()));
        assert!(contains(parse_cidr("0.0.0.0/0").unwrap(), parse_ip("8.8.8.8").unwrap()));
        assert!(contains(
            parse_cidr("10.1.2.3").unwrap(),
            parse_ip("::ffff:10.1.2.3").unwrap()
        ));
        assert!(contains(
            parse_cidr("2001:db8::/32").unwrap(),
            parse_ip("2001:db8:1::5").unwrap()
        ));
        assert!(!contains(
            parse_cidr("2001:db8::/32").unwrap(),
            parse_ip("10.0.0.1").unwrap()
        ));
        for bad in ["10.0.0.0/33", "nope", "10.0.0/8", "::/129"] {
            assert!(parse_cidr(bad).is_err(), "{bad}");
        }
        assert!(is_private(parse_ip("192.168.1.1").unwrap()));
        assert!(is_private(parse_ip("100.64.3.3").unwrap()));
        assert!(is_private(parse_ip("fd00::1").unwrap()));
        assert!(!is_private(parse_ip("203.0.113.9").unwrap()));
    }

    #[test]
    fn udf_handles_service_names_and_bad_blocks() {
        let f = ScalarUDF::from(IpInCidr::new());
        let got = call(
            &f,
            &[
                vec![
                    Some("203.0.113.9"),
                    Some("ec2.amazonaws.com"),
                    None,
                    Some("198.51.100.1"),
                ],
                vec![
                    Some("203.0.113.0/24"),
                    Some("0.0.0.0/0"),
                    Some("0.0.0.0/0"),
                    Some("203.0.113.0/24"),
                ],
            ],
        );
        assert_eq!(got, vec![Some("true".into()), None, None, Some("false".into())]);
    }
}
