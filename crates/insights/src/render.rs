//! Insights for people: a table, a comparison with CloudTrail's own, and SVG charts.

use std::fmt::Write as _;

use crate::aws::{AwsAnomaly, Comparison};
use crate::detect::Chart;
use crate::insight::{EndReason, Insight, InsightState};
use crate::key::InsightType;

/// A rate as people read it: `25.3`, `0.42`, `0.0031`.
pub fn rate(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    if x == 0.0 {
        "0".into()
    } else if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 1.0 {
        format!("{x:.1}")
    } else {
        // Two significant digits.
        let digits = (-x.log10()).floor() as usize + 2;
        format!("{x:.digits$}")
    }
}

fn minutes(m: u64) -> String {
    if m >= 2 * 1440 {
        format!("{:.1}d", m as f64 / 1440.0)
    } else if m >= 120 {
        format!("{:.1}h", m as f64 / 60.0)
    } else {
        format!("{m}m")
    }
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The top value of an attribution list, if any.
pub fn top_value<'a>(i: &'a Insight, attribute: &str) -> Option<&'a str> {
    i.attributions
        .iter()
        .find(|a| a.attribute == attribute)
        .and_then(|a| a.insight.first())
        .map(|v| v.value.as_str())
}

/// One line per anomaly (pass [`crate::anomalies`]): when, how long, what, how far above its
/// baseline, and who.
pub fn table(list: &[Insight]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<20}  {:>6}  {:<10}  {:<36}  {:<12}  {:<14}  {:>8}  {:>9}  {:>9}  TOP CALLER / USER AGENT",
        "START", "LENGTH", "TYPE", "API", "ACCOUNT", "REGION", "PER MIN", "EXPECTED", "BASELINE"
    );
    for i in list {
        let k = &i.key;
        let mut api = k.api();
        if let Some(c) = &k.error_code {
            let _ = write!(api, " [{c}]");
        }
        let length = match (i.state, i.end_reason) {
            (InsightState::Start, _) => format!("{}+", minutes(i.insight.duration)),
            (InsightState::End, Some(EndReason::MaxDuration)) => format!("{}!", minutes(i.insight.duration)),
            _ => minutes(i.insight.duration),
        };
        let who = top_value(i, "userIdentityArn").unwrap_or("-");
        let agent = top_value(i, "userAgent").unwrap_or("-");
        let _ = writeln!(
            o,
            "{:<20}  {:>6}  {:<10}  {:<36}  {:<12}  {:<14}  {:>8}  {:>9}  {:>9}  {} / {}",
            i.start.to_rfc3339(),
            length,
            k.insight_type.label(),
            cut(&api, 36),
            k.account,
            cut(&k.region, 14),
            rate(i.insight.average),
            rate(i.expected),
            rate(i.baseline.average),
            cut(who, 70),
            cut(agent, 50),
        );
    }
    o
}

/// CloudTrail's own Insights found in the input, and how ours compare.
pub fn aws_table(aws: &[AwsAnomaly], cmp: Option<&Comparison>) -> String {
    let mut o = String::new();
    let matched = |a: &AwsAnomaly| {
        cmp.and_then(|c| {
            c.matched
                .iter()
                .find(|(x, _)| x.shared_event_id == a.shared_event_id)
                .map(|(_, ours)| ours.as_str())
        })
    };
    let _ = writeln!(
        o,
        "{:<20}  {:<20}  {:<10}  {:<36}  {:<12}  {:<14}  {:>8}  {:>9}  TRAILGUARD",
        "START", "END", "TYPE", "API", "ACCOUNT", "REGION", "PER MIN", "BASELINE"
    );
    for a in aws {
        let service = a.event_source.strip_suffix(".amazonaws.com").unwrap_or(&a.event_source);
        let mut api = format!("{service}:{}", a.event_name);
        if let Some(c) = &a.error_code {
            let _ = write!(api, " [{c}]");
        }
        let ty = InsightType::parse(&a.insight_type).map_or(a.insight_type.as_str(), |t| t.label());
        let _ = writeln!(
            o,
            "{:<20}  {:<20}  {:<10}  {:<36}  {:<12}  {:<14}  {:>8}  {:>9}  {}",
            a.start.to_rfc3339(),
            a.end.map_or("(open)".into(), |e| e.to_rfc3339()),
            ty,
            cut(&api, 36),
            a.account,
            cut(&a.region, 14),
            a.insight_average.map_or("-".into(), rate),
            a.baseline_average.map_or("-".into(), rate),
            match (cmp, matched(a)) {
                (None, _) => "-".to_owned(),
                (Some(_), Some(id)) => format!("found ({id})"),
                (Some(_), None) => "not found".to_owned(),
            }
        );
    }
    o
}

fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c if (c as u32) < 0x20 => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// A round step near `x`: 1, 2 or 5 times a power of ten.
fn nice_step(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || x.is_infinite() {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    let m = x / p;
    let f = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    f * p
}

/// A file name for an insight's chart: time, type, API, account, region (safe characters only).
pub fn chart_file_name(i: &Insight) -> String {
    let k = &i.key;
    let mut s = format!(
        "{}_{}_{}_{}_{}",
        i.start.to_rfc3339().replace(':', ""),
        match k.insight_type {
            InsightType::ApiCallRateInsight => "calls",
            InsightType::ApiErrorRateInsight => "errors",
        },
        k.api().replace(':', "-"),
        k.account,
        k.region
    );
    if let Some(c) = &k.error_code {
        s.push('_');
        s.push_str(c);
    }
    let mut safe: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    safe.truncate(180);
    safe.push_str(".svg");
    safe
}

/// The chart as a standalone SVG document: observed events per bucket against the expected
/// count and the band, the insight shaded, hours without data hatched.
pub fn svg(chart: &Chart, insight: &Insight) -> String {
    const W: f64 = 960.0;
    const H: f64 = 380.0;
    const L: f64 = 64.0;
    const R: f64 = 24.0;
    const T: f64 = 66.0;
    const B: f64 = 54.0;
    let pw = W - L - R;
    let ph = H - T - B;
    let n = chart.observed.len().max(1);
    let bucket = f64::from(chart.bucket_minutes.max(1));
    let from = chart.from.secs() as f64 / 60.0;
    let span = n as f64 * bucket;
    let x_of_minute = |m: f64| L + ((m - from) / span).clamp(0.0, 1.0) * pw;
    let x_of = |i: usize| L + i as f64 / n as f64 * pw;
    let highest = chart
        .observed
        .iter()
        .map(|&v| v as f64)
        .chain(chart.band.iter().map(|&v| v as f64))
        .chain(chart.expected.iter().copied())
        .fold(1.0, f64::max);
    // Gridlines on a round step (1, 2 or 5 × 10^k), about four of them.
    let tick = nice_step(highest / 4.0);
    let top = (highest / tick).ceil() * tick * 1.05;
    let y_of = |v: f64| T + ph - (v / top).clamp(0.0, 1.0) * ph;
    let k = &insight.key;
    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        o,
        r##"<defs><pattern id="gap" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#c8c8c8" stroke-width="2"/></pattern></defs>"##
    );
    let _ = writeln!(o, r##"<rect width="{W}" height="{H}" fill="#ffffff"/>"##);
    let mut title = format!("{} · {}", k.insight_type.label(), k.api());
    if let Some(c) = &k.error_code {
        let _ = write!(title, " [{c}]");
    }
    let _ = write!(title, " · {} · {}", k.account, k.region);
    let _ = writeln!(
        o,
        r#"<text x="{L}" y="22" font-size="15" font-weight="bold">{}</text>"#,
        xml(&title)
    );
    let end_text = insight.end.map_or("open".into(), |e| e.to_rfc3339());
    let sub = format!(
        "{} → {} · {} per min, expected {} (baseline average {}) · {}-minute buckets",
        insight.start.to_rfc3339(),
        end_text,
        rate(insight.insight.average),
        rate(insight.expected),
        rate(insight.baseline.average),
        chart.bucket_minutes
    );
    let _ = writeln!(o, r##"<text x="{L}" y="40" fill="#444">{}</text>"##, xml(&sub));
    // Hours without data.
    for (i, &c) in chart.covered.iter().enumerate() {
        if !c {
            let _ = writeln!(
                o,
                r#"<rect x="{:.1}" y="{T}" width="{:.1}" height="{ph}" fill="url(#gap)"/>"#,
                x_of(i),
                (x_of(i + 1) - x_of(i)).max(0.5)
            );
        }
    }
    // The insight.
    let s = chart.start.secs() as f64 / 60.0;
    let e = chart.end.map_or(from + span, |e| e.secs() as f64 / 60.0);
    let _ = writeln!(
        o,
        r##"<rect x="{:.1}" y="{T}" width="{:.1}" height="{ph}" fill="#f6c6c3" fill-opacity="0.55"/>"##,
        x_of_minute(s),
        (x_of_minute(e) - x_of_minute(s)).max(1.0)
    );
    // The band: from zero to its top, as steps.
    let mut band = format!("M{L:.1},{:.1}", y_of(0.0));
    for (i, &b) in chart.band.iter().enumerate() {
        let y = y_of(b as f64);
        let _ = write!(band, " L{:.1},{y:.1} L{:.1},{y:.1}", x_of(i), x_of(i + 1));
    }
    let _ = write!(band, " L{:.1},{:.1} Z", x_of(n), y_of(0.0));
    let _ = writeln!(o, r##"<path d="{band}" fill="#cfe3f7" stroke="none"/>"##);
    // Expected.
    let mut exp = String::new();
    for (i, &v) in chart.expected.iter().enumerate() {
        let y = y_of(v);
        let _ = write!(
            exp,
            "{}{:.1},{y:.1} L{:.1},{y:.1}",
            if i == 0 { "M" } else { " L" },
            x_of(i),
            x_of(i + 1)
        );
    }
    let _ = writeln!(
        o,
        r##"<path d="{exp}" fill="none" stroke="#2f6db5" stroke-width="1.5" stroke-dasharray="5,3"/>"##
    );
    // Observed.
    let mut obs = String::new();
    for (i, &v) in chart.observed.iter().enumerate() {
        let y = y_of(v as f64);
        let _ = write!(
            obs,
            "{}{:.1},{y:.1} L{:.1},{y:.1}",
            if i == 0 { "M" } else { " L" },
            x_of(i),
            x_of(i + 1)
        );
    }
    let _ = writeln!(o, r##"<path d="{obs}" fill="none" stroke="#111" stroke-width="1.6"/>"##);
    // Axes.
    let _ = writeln!(
        o,
        r##"<path d="M{L},{T} L{L},{:.1} L{:.1},{:.1}" fill="none" stroke="#333"/>"##,
        T + ph,
        L + pw,
        T + ph
    );
    let mut v = 0.0;
    while v <= top {
        let y = y_of(v);
        let _ = writeln!(
            o,
            r##"<line x1="{:.1}" y1="{y:.1}" x2="{L}" y2="{y:.1}" stroke="#333"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            L - 4.0,
            L - 7.0,
            y + 4.0,
            if tick >= 1.0 { format!("{v:.0}") } else { rate(v) }
        );
        v += tick;
    }
    let _ = writeln!(
        o,
        r#"<text x="14" y="{:.1}" transform="rotate(-90 14 {:.1})" text-anchor="middle">events per {}-minute bucket</text>"#,
        T + ph / 2.0,
        T + ph / 2.0,
        chart.bucket_minutes
    );
    // Time ticks: about eight, on whole steps of 5 min, 15 min, 1 h, 3 h, 6 h, 12 h or a day.
    let step = [5.0, 15.0, 30.0, 60.0, 180.0, 360.0, 720.0, 1440.0]
        .into_iter()
        .find(|s| span / s <= 9.0)
        .unwrap_or(2880.0);
    let mut t = (from / step).ceil() * step;
    while t <= from + span {
        let x = x_of_minute(t);
        let ts = trailguard_model::Timestamp::from_secs((t * 60.0) as i64).to_rfc3339();
        let label = if (t % 1440.0) == 0.0 || step >= 1440.0 {
            ts[5..16].replace('T', " ")
        } else {
            ts[11..16].to_owned()
        };
        let _ = writeln!(
            o,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#333"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{label}</text>"##,
            T + ph,
            T + ph + 4.0,
            T + ph + 18.0
        );
        t += step;
    }
    // Legend.
    let ly = H - 14.0;
    let _ = writeln!(
        o,
        r##"<g font-size="11"><path d="M{L},{ly} L{:.1},{ly}" stroke="#111" stroke-width="1.6"/><text x="{:.1}" y="{:.1}">observed</text><path d="M{:.1},{ly} L{:.1},{ly}" stroke="#2f6db5" stroke-width="1.5" stroke-dasharray="5,3"/><text x="{:.1}" y="{:.1}">expected</text><rect x="{:.1}" y="{:.1}" width="18" height="9" fill="#cfe3f7"/><text x="{:.1}" y="{:.1}">usual band</text><rect x="{:.1}" y="{:.1}" width="18" height="9" fill="#f6c6c3"/><text x="{:.1}" y="{:.1}">insight</text><rect x="{:.1}" y="{:.1}" width="18" height="9" fill="url(#gap)"/><text x="{:.1}" y="{:.1}">no data</text></g>"##,
        L + 20.0,
        L + 26.0,
        ly + 4.0,
        L + 110.0,
        L + 130.0,
        L + 136.0,
        ly + 4.0,
        L + 220.0,
        ly - 5.0,
        L + 244.0,
        ly + 4.0,
        L + 330.0,
        ly - 5.0,
        L + 354.0,
        ly + 4.0,
        L + 420.0,
        ly - 5.0,
        L + 444.0,
        ly + 4.0,
    );
    let _ = writeln!(o, "</svg>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_well() {
        assert_eq!(rate(0.0), "0");
        assert_eq!(rate(25.34), "25.3");
        assert_eq!(rate(0.42), "0.42");
        assert_eq!(rate(0.00312), "0.0031");
        assert_eq!(rate(1234.0), "1234");
        assert_eq!(rate(f64::INFINITY), "-");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_step(8.2), 10.0);
        assert_eq!(nice_step(4.1), 5.0);
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(0.0), 1.0);
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(xml("a<b>&\"c\n"), "a&lt;b&gt;&amp;&quot;c ");
    }
}
