//! JUnit XML for CI: a test suite per check, a test case per resource. FAIL is a failure,
//! ERROR an error, MANUAL and NOT_APPLICABLE are skipped (with the reason).

use std::fmt::Write as _;

use crate::audit::AuditReport;
use crate::check::Status;

use super::{info, xml_escape};

pub(super) fn render(r: &AuditReport) -> String {
    let total = r.findings.len();
    let failures = r.count(Status::Fail);
    let errors = r.count(Status::Error);
    let skipped = r.count(Status::Manual) + r.count(Status::NotApplicable);
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"trailguard audit\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">"
    );
    for id in &r.checks {
        let cases: Vec<_> = r.findings.iter().filter(|f| f.check_id == *id).collect();
        let title = cases.first().and_then(|f| info(f)).map(|i| i.title).unwrap_or("");
        let count = |st| cases.iter().filter(|f| f.status == st).count();
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" timestamp=\"{}\">",
            xml_escape(&format!("{id} {title}")),
            cases.len(),
            count(Status::Fail),
            count(Status::Error),
            count(Status::Manual) + count(Status::NotApplicable),
            xml_escape(&r.target.collected_at)
        );
        for f in cases {
            let mut name = f.resource.id.clone();
            if let Some(reg) = &f.resource.region
                && !name.contains(reg.as_str())
            {
                name = format!("{name} ({reg})");
            }
            let file = f
                .resource
                .location
                .as_ref()
                .map(|l| format!(" file=\"{}\" line=\"{}\"", xml_escape(&l.file), l.line))
                .unwrap_or_default();
            let _ = write!(
                s,
                "    <testcase classname=\"{}\" name=\"{}\"{file}",
                xml_escape(id),
                xml_escape(&name)
            );
            let body = if f.evidence.is_empty() {
                String::new()
            } else {
                xml_escape(&f.evidence.join("\n"))
            };
            match f.status {
                Status::Pass => {
                    let _ = writeln!(s, "/>");
                }
                Status::Fail => {
                    let _ = writeln!(
                        s,
                        ">\n      <failure type=\"{}\" message=\"{}\">{body}</failure>\n    </testcase>",
                        f.severity,
                        xml_escape(&f.reason)
                    );
                }
                Status::Error => {
                    let _ = writeln!(
                        s,
                        ">\n      <error message=\"{}\">{body}</error>\n    </testcase>",
                        xml_escape(&f.reason)
                    );
                }
                Status::Manual | Status::NotApplicable => {
                    let _ = writeln!(
                        s,
                        ">\n      <skipped message=\"{}: {}\"/>\n    </testcase>",
                        f.status,
                        xml_escape(&f.reason)
                    );
                }
            }
        }
        let _ = writeln!(s, "  </testsuite>");
    }
    s.push_str("</testsuites>\n");
    s
}
