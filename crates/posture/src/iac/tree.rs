//! A YAML/JSON document as a tree whose every node knows its line and column and keeps its
//! tag (`!Ref`, `!Sub`, …). Bounded: nesting depth and node count (aliases included) are
//! limited, so a hostile document cannot exhaust memory or the stack.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::IacError;

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 128;
/// Most nodes accepted (each alias expansion counts again).
pub const MAX_NODES: usize = 4_000_000;

/// A node.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// The tag without `!` (`Ref`, `GetAtt`, …), if any.
    pub tag: Option<String>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// The value of a node.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A scalar as written; `quoted` when it was in quotes (always a string then).
    Scalar {
        /// The text.
        text: String,
        /// Written in quotes (or a block scalar).
        quoted: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The scalar text, if this is a scalar.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Whether this is a null (`~`, `null`, empty plain scalar).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, quoted: false } if text.is_empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }

    /// The mapping entries, if a mapping.
    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items, if a sequence.
    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .find(|(k, _)| k.text() == Some(key))
            .map(|(_, v)| v)
    }

    fn new(value: Value, tag: Option<String>, m: Marker) -> Node {
        Node {
            value,
            tag,
            line: m.line().max(1),
            column: m.col() + 1,
        }
    }

    /// The node as plain JSON (tags dropped), for policy documents and event patterns.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Scalar { text, quoted } => scalar_json(text, *quoted),
            Value::Seq(s) => serde_json::Value::Array(s.iter().map(Node::to_json).collect()),
            Value::Map(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, v)| (k.text().unwrap_or_default().to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// The JSON value of a scalar (YAML 1.2 core schema for plain scalars).
pub fn scalar_json(text: &str, quoted: bool) -> serde_json::Value {
    if quoted {
        return serde_json::Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => serde_json::Value::Null,
        "true" | "True" | "TRUE" => serde_json::Value::Bool(true),
        "false" | "False" | "FALSE" => serde_json::Value::Bool(false),
        t => {
            if let Ok(i) = t.parse::<i64>() {
                serde_json::Value::from(i)
            } else if let Some(n) = t
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
            {
                serde_json::Value::Number(n)
            } else {
                serde_json::Value::String(t.to_string())
            }
        }
    }
}

/// Parse a YAML (or JSON) document.
pub fn parse(file: &str, text: &str) -> Result<Node, IacError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        file,
        stack: Vec::new(),
        anchors: Vec::new(),
        nodes: 0,
        root: None,
    };
    loop {
        let (ev, mark) = parser.next_token().map_err(|e| IacError::Syntax {
            file: file.to_string(),
            line: e.marker().line().max(1),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        match ev {
            Event::StreamEnd => break,
            Event::DocumentEnd => {
                if b.root.is_some() {
                    break;
                }
            }
            ev => b.event(ev, mark)?,
        }
    }
    b.root.ok_or_else(|| IacError::Invalid {
        file: file.to_string(),
        line: 1,
        column: 1,
        message: "the document is empty".into(),
    })
}

/// Build a tree from JSON already parsed (no positions: every node is at line 1).
pub fn from_json(v: &serde_json::Value) -> Node {
    let value = match v {
        serde_json::Value::Null => Value::Scalar {
            text: "null".into(),
            quoted: false,
        },
        serde_json::Value::Bool(b) => Value::Scalar {
            text: b.to_string(),
            quoted: false,
        },
        serde_json::Value::Number(n) => Value::Scalar {
            text: n.to_string(),
            quoted: false,
        },
        serde_json::Value::String(s) => Value::Scalar {
            text: s.clone(),
            quoted: true,
        },
        serde_json::Value::Array(a) => Value::Seq(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| {
                    (
                        Node {
                            value: Value::Scalar {
                                text: k.clone(),
                                quoted: true,
                            },
                            tag: None,
                            line: 1,
                            column: 1,
                        },
                        from_json(v),
                    )
                })
                .collect(),
        ),
    };
    Node {
        value,
        tag: None,
        line: 1,
        column: 1,
    }
}

enum Open {
    Seq(Node, usize),
    Map(Node, usize, Option<Node>),
}

struct Builder<'f> {
    file: &'f str,
    stack: Vec<Open>,
    anchors: Vec<(usize, Node)>,
    nodes: usize,
    root: Option<Node>,
}

fn tag_name(t: Option<yaml_rust2::parser::Tag>) -> Option<String> {
    let t = t?;
    // `!Ref` comes as handle "!" + suffix "Ref"; `!!str` as "tag:yaml.org,2002:" + "str".
    if t.handle == "!" { Some(t.suffix) } else { None }
}

impl Builder<'_> {
    fn err(&self, m: Marker, message: &str) -> IacError {
        IacError::Invalid {
            file: self.file.to_string(),
            line: m.line().max(1),
            column: m.col() + 1,
            message: message.to_string(),
        }
    }

    fn count(&mut self, n: usize, m: Marker) -> Result<(), IacError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(self.err(m, &format!("more than {MAX_NODES} nodes (alias expansion included)")));
        }
        Ok(())
    }

    fn event(&mut self, ev: Event, m: Marker) -> Result<(), IacError> {
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, m)?;
                let quoted = !matches!(style, TScalarStyle::Plain);
                let node = Node::new(Value::Scalar { text, quoted }, tag_name(tag), m);
                self.finish(node, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                self.count(1, m)?;
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.err(m, &format!("nested deeper than {MAX_DEPTH} levels")));
                }
                self.stack
                    .push(Open::Seq(Node::new(Value::Seq(Vec::new()), tag_name(tag), m), anchor));
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.count(1, m)?;
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.err(m, &format!("nested deeper than {MAX_DEPTH} levels")));
                }
                self.stack.push(Open::Map(
                    Node::new(Value::Map(Vec::new()), tag_name(tag), m),
                    anchor,
                    None,
                ));
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Open::Seq(n, a)) | Some(Open::Map(n, a, None)) => self.finish(n, a),
                Some(Open::Map(_, _, Some(_))) => Err(self.err(m, "a mapping key has no value")),
                None => Err(self.err(m, "unbalanced end of collection")),
            },
            Event::Alias(id) => {
                let Some(node) = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone())
                else {
                    return Err(self.err(m, "an alias refers to an unknown anchor"));
                };
                self.count(size(&node), m)?;
                self.finish(node, 0)
            }
            _ => Ok(()),
        }
    }

    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), IacError> {
        if anchor > 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => {
                self.root.get_or_insert(node);
            }
            Some(Open::Seq(n, _)) => {
                if let Value::Seq(v) = &mut n.value {
                    v.push(node);
                }
            }
            Some(Open::Map(n, _, pending)) => match pending.take() {
                None => *pending = Some(node),
                Some(k) => {
                    if let Value::Map(v) = &mut n.value {
                        v.push((k, node));
                    }
                }
            },
        }
        Ok(())
    }
}

fn size(n: &Node) -> usize {
    1 + match &n.value {
        Value::Scalar { .. } => 0,
        Value::Seq(s) => s.iter().map(size).sum(),
        Value::Map(m) => m.iter().map(|(k, v)| size(k) + size(v)).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_tags() {
        let doc = "Resources:\n  Trail:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      S3BucketName: !Ref Bucket\n      IsLogging: true\n";
        let n = parse("t.yaml", doc).unwrap();
        let trail = n.get("Resources").and_then(|r| r.get("Trail")).unwrap();
        assert_eq!(trail.line, 3);
        let b = trail.get("Properties").and_then(|p| p.get("S3BucketName")).unwrap();
        assert_eq!(b.tag.as_deref(), Some("Ref"));
        assert_eq!(b.text(), Some("Bucket"));
        assert_eq!(b.line, 5);
        let json = parse("t.json", "{\"a\": [1, \"x\", true, null]}").unwrap();
        assert_eq!(json.to_json(), serde_json::json!({"a": [1, "x", true, null]}));
    }

    #[test]
    fn hostile_input_is_refused() {
        let deep = format!("{}{}", "[".repeat(500), "]".repeat(500));
        let e = parse("d.yaml", &deep).unwrap_err();
        assert!(e.to_string().contains("d.yaml:1:"), "{e}");
        let laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        assert!(parse("l.yaml", laughs).is_err());
        match parse("bad.yaml", "a: [1, 2\nb: 3") {
            Err(IacError::Syntax { line, .. }) => assert!(line >= 1),
            other => panic!("{other:?}"),
        }
    }
}
