//! A threshold rule's match, held from the pass to the alarm stage in one allocation.
//!
//! Files are read in parallel, not in time order, so every match of a threshold rule must be
//! kept until the end of the pass and fed to its alarm in event-time order. Most of them never
//! fire (a Decrypt-rate rule sees every Decrypt call), yet each must keep what its alert would
//! show: the event's facts, the rule's reasons and the group key. Held as separate `String`s
//! that is some twenty allocations a match; packed here into one byte string (each text
//! length-prefixed), it is one allocation of about a third of the size, unpacked only when the
//! alarm stage reaches it.

use trailguard_model::Timestamp;

use crate::alert::{EventRef, FieldReason, Reason};

/// One held match.
pub(crate) struct Pending {
    /// The rule's index.
    pub(crate) rule: u32,
    /// `eventTime`.
    pub(crate) time: Timestamp,
    /// The packed texts: the event ID first (read for ordering), then the group key, the
    /// event's other facts and the reasons.
    bytes: Box<[u8]>,
}

/// What a held match unpacks to.
pub(crate) struct Unpacked {
    pub(crate) event: EventRef,
    pub(crate) reasons: Vec<Reason>,
}

impl Pending {
    /// Pack a match; `scratch` is a buffer reused from match to match.
    pub(crate) fn pack(
        rule: u32,
        group: &[Option<String>],
        event: &EventRef,
        reasons: &[Reason],
        scratch: &mut Vec<u8>,
    ) -> Pending {
        scratch.clear();
        put_opt(scratch, event.id.as_deref());
        put_len(scratch, group.len());
        for g in group {
            put_opt(scratch, g.as_deref());
        }
        for f in [
            &event.principal,
            &event.principal_type,
            &event.source_ip,
            &event.event_source,
            &event.event_name,
            &event.account,
            &event.region,
            &event.error_code,
        ] {
            put_opt(scratch, f.as_deref());
        }
        put_len(scratch, reasons.len());
        for r in reasons {
            put_str(scratch, &r.part);
            put_len(scratch, r.fields.len());
            for f in &r.fields {
                put_str(scratch, &f.field);
                put_str(scratch, &f.expected);
                put_opt(scratch, f.value.as_deref());
            }
        }
        Pending {
            rule,
            time: event.time,
            bytes: scratch.as_slice().into(),
        }
    }

    /// The event ID (for a stable order among matches of the same second).
    pub(crate) fn id(&self) -> Option<&str> {
        Reader::new(&self.bytes).opt()
    }

    /// What the alarm stage counts by: the group key, and the event with only its ID and time.
    pub(crate) fn key(&self) -> (Vec<Option<String>>, EventRef) {
        let mut r = Reader::new(&self.bytes);
        let id = r.opt().map(str::to_owned);
        let group = (0..r.len()).map(|_| r.opt().map(str::to_owned)).collect();
        let event = EventRef {
            id,
            time: self.time,
            ..EventRef::default()
        };
        (group, event)
    }

    /// Everything, owned.
    pub(crate) fn unpack(&self) -> Unpacked {
        let mut r = Reader::new(&self.bytes);
        let id = r.opt().map(str::to_owned);
        for _ in 0..r.len() {
            r.opt();
        }
        let mut next = || r.opt().map(str::to_owned);
        let event = EventRef {
            id,
            time: self.time,
            principal: next(),
            principal_type: next(),
            source_ip: next(),
            event_source: next(),
            event_name: next(),
            account: next(),
            region: next(),
            error_code: next(),
        };
        let reasons = (0..r.len())
            .map(|_| {
                let part = r.str().to_owned();
                let fields = (0..r.len())
                    .map(|_| FieldReason {
                        field: r.str().to_owned(),
                        expected: r.str().to_owned(),
                        value: r.opt().map(str::to_owned),
                    })
                    .collect();
                Reason { part, fields }
            })
            .collect();
        Unpacked { event, reasons }
    }
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// `None` is a length of `u32::MAX`.
fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => put_str(out, s),
        None => out.extend_from_slice(&u32::MAX.to_le_bytes()),
    }
}

/// Reads back what `pack` wrote. The bytes never leave this module, so they are well formed;
/// a short read yields empty values rather than a panic all the same.
struct Reader<'b> {
    bytes: &'b [u8],
}

impl<'b> Reader<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        Reader { bytes }
    }

    fn raw_len(&mut self) -> u32 {
        let Some((head, rest)) = self.bytes.split_first_chunk::<4>() else {
            self.bytes = &[];
            return 0;
        };
        self.bytes = rest;
        u32::from_le_bytes(*head)
    }

    fn len(&mut self) -> usize {
        self.raw_len() as usize
    }

    fn take(&mut self, n: usize) -> &'b str {
        let n = n.min(self.bytes.len());
        let (s, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        // Written from `&str`s, so always UTF-8.
        std::str::from_utf8(s).unwrap_or_default()
    }

    fn str(&mut self) -> &'b str {
        let n = self.len();
        self.take(n)
    }

    fn opt(&mut self) -> Option<&'b str> {
        match self.raw_len() {
            u32::MAX => None,
            n => Some(self.take(n as usize)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let event = EventRef {
            id: Some("e-1".into()),
            time: Timestamp(1_700_000_000_000),
            principal: Some("arn:aws:iam::111122223333:user/ä".into()),
            principal_type: None,
            source_ip: Some(String::new()),
            event_source: Some("kms.amazonaws.com".into()),
            event_name: Some("Decrypt".into()),
            account: Some("111122223333".into()),
            region: None,
            error_code: None,
        };
        let group = vec![Some("arn:x".to_owned()), None];
        let reasons = vec![
            Reason {
                part: "filter pattern".into(),
                fields: vec![
                    FieldReason {
                        field: "$.eventName".into(),
                        expected: "= \"Decrypt\"".into(),
                        value: Some("Decrypt".into()),
                    },
                    FieldReason {
                        field: "$.errorCode".into(),
                        expected: "NOT EXISTS".into(),
                        value: None,
                    },
                ],
            },
            Reason {
                part: "selection".into(),
                fields: Vec::new(),
            },
        ];
        let mut scratch = Vec::new();
        let p = Pending::pack(7, &group, &event, &reasons, &mut scratch);
        assert_eq!(p.rule, 7);
        assert_eq!(p.time, event.time);
        assert_eq!(p.id(), Some("e-1"));
        let (g, key) = p.key();
        assert_eq!(g, group);
        assert_eq!((key.id.as_deref(), key.time), (Some("e-1"), event.time));
        let u = p.unpack();
        assert_eq!(u.event, event);
        assert_eq!(u.reasons, reasons);

        let bare = Pending::pack(0, &[], &EventRef::default(), &[], &mut scratch);
        assert_eq!(bare.id(), None);
        let u = bare.unpack();
        assert!(bare.key().0.is_empty() && u.reasons.is_empty());
        assert_eq!(u.event, EventRef::default());
    }
}
