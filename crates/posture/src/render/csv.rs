//! CSV (RFC 4180): one row per result.

use crate::audit::AuditReport;

use super::info;

fn field(s: &str) -> String {
    // Cells starting with a formula character are prefixed so spreadsheets do not run them.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub(super) fn render(r: &AuditReport) -> String {
    let mut s = String::from(
        "check_id,name,title,severity,status,account,region,resource_type,resource,file,line,reason,mappings\r\n",
    );
    for f in &r.findings {
        let i = info(f);
        let row = [
            f.check_id.clone(),
            i.map(|i| i.name.to_string()).unwrap_or_default(),
            i.map(|i| i.title.to_string()).unwrap_or_default(),
            f.severity.to_string(),
            f.status.to_string(),
            f.resource.account.clone().unwrap_or_default(),
            f.resource.region.clone().unwrap_or_default(),
            f.resource.kind.clone(),
            f.resource.id.clone(),
            f.resource.location.as_ref().map(|l| l.file.clone()).unwrap_or_default(),
            f.resource
                .location
                .as_ref()
                .map(|l| l.line.to_string())
                .unwrap_or_default(),
            f.reason.clone(),
            i.map(|i| i.mappings.join(" ")).unwrap_or_default(),
        ];
        s.push_str(&row.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        s.push_str("\r\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn quoting() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=cmd()"), "'=cmd()");
        assert_eq!(field("plain"), "plain");
    }
}
