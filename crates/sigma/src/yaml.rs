//! A small YAML tree with positions, built from `saphyr-parser`'s event stream.
//!
//! Rule files are untrusted input, so the tree is bounded: the text size is checked by the
//! caller, nesting is limited to [`MAX_DEPTH`], and the node count — aliases included, so an
//! "alias bomb" cannot expand exponentially — to [`MAX_NODES`]. Building is iterative (no
//! recursion on the call stack), duplicate mapping keys are refused (YAML forbids them and the
//! usual readers silently keep the last one, which would silently change a rule), and every node
//! keeps its line and column for error messages.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Deepest nesting of sequences and mappings accepted in a rule file.
pub(crate) const MAX_DEPTH: usize = 64;
/// Most nodes in one file, alias expansions included.
pub(crate) const MAX_NODES: usize = 1_000_000;

/// A position in the text: line (1-based) and column (1-based).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub col: u32,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One node of the tree.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub(crate) kind: NodeKind,
    pub(crate) pos: Pos,
}

/// What a node holds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A scalar and whether it was written plain (unquoted, untagged), which decides whether
/// `null`, `true` and numbers are typed (YAML 1.2 core schema).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Scalar {
    pub(crate) text: String,
    pub(crate) plain: bool,
}

impl Node {
    /// The scalar's text, if this is a scalar.
    pub(crate) fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar that is not `null`.
    pub(crate) fn as_str(&self) -> Option<&str> {
        self.as_scalar().filter(|s| !s.is_null()).map(|s| s.text.as_str())
    }

    /// The members of a mapping.
    pub(crate) fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// True for a `null` scalar.
    pub(crate) fn is_null(&self) -> bool {
        self.as_scalar().is_some_and(Scalar::is_null)
    }

    /// The value of `key` in a mapping.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
            .map(|(_, v)| v)
    }

    /// A word for messages: "a mapping", "a list", "a string".
    pub(crate) fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(s) if s.is_null() => "null",
            NodeKind::Scalar(_) => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

impl Scalar {
    /// `null`, `~` or nothing, written plain.
    pub(crate) fn is_null(&self) -> bool {
        self.plain && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// A boolean (`true`/`false` in the core schema's spellings; quoted forms accepted too,
    /// since rule authors quote them as often as not).
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self.text.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }
}

/// A YAML document of a file: its root node and where it starts.
#[derive(Clone, Debug)]
pub(crate) struct Document {
    pub(crate) root: Node,
    /// Index of the document in its file, from 0.
    pub(crate) index: usize,
}

/// Why a file is not valid YAML (or too large a tree).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub(crate) pos: Pos,
    pub(crate) message: String,
}

fn pos_of(span: &Span) -> Pos {
    let m = span.start;
    Pos {
        line: u32::try_from(m.line()).unwrap_or(u32::MAX),
        col: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
    Map {
        members: Vec<(Node, Node)>,
        key: Option<Node>,
        pos: Pos,
        anchor: usize,
    },
}

/// Count the nodes of a tree without recursion.
fn count_nodes(node: &Node) -> usize {
    let mut n = 0;
    let mut stack = vec![node];
    while let Some(x) = stack.pop() {
        n += 1;
        match &x.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Seq(items) => stack.extend(items.iter()),
            NodeKind::Map(members) => {
                for (k, v) in members {
                    stack.push(k);
                    stack.push(v);
                }
            }
        }
    }
    n
}

/// Parse every document of a YAML stream.
pub(crate) fn parse(text: &str) -> Result<Vec<Document>, YamlError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut nodes = 0usize;
    let mut root: Option<Node> = None;
    let mut doc_index = 0usize;

    let too_many = |pos| YamlError {
        pos,
        message: format!("the file holds more than {MAX_NODES} YAML nodes (aliases included)"),
    };

    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| YamlError {
            pos: Pos {
                line: u32::try_from(e.marker().line()).unwrap_or(u32::MAX),
                col: u32::try_from(e.marker().col() + 1).unwrap_or(u32::MAX),
            },
            message: e.info().to_owned(),
        })?;
        let pos = pos_of(&span);
        let done: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                anchors.clear();
                root = None;
                None
            }
            Event::DocumentEnd => {
                if let Some(r) = root.take() {
                    docs.push(Document {
                        root: r,
                        index: doc_index,
                    });
                }
                doc_index += 1;
                None
            }
            Event::Alias(id) => {
                let Some(node) = anchors.get(&id) else {
                    return Err(YamlError {
                        pos,
                        message: "alias to an unknown anchor".into(),
                    });
                };
                nodes += count_nodes(node);
                if nodes > MAX_NODES {
                    return Err(too_many(pos));
                }
                Some((node.clone(), 0))
            }
            Event::Scalar(text, style, anchor, tag) => {
                nodes += 1;
                if nodes > MAX_NODES {
                    return Err(too_many(pos));
                }
                let plain = style == ScalarStyle::Plain && tag.is_none();
                Some((
                    Node {
                        kind: NodeKind::Scalar(Scalar {
                            text: text.into_owned(),
                            plain,
                        }),
                        pos,
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                nodes += 1;
                if nodes > MAX_NODES {
                    return Err(too_many(pos));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError {
                        pos,
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                    });
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        items: Vec::new(),
                        pos,
                        anchor,
                    }
                } else {
                    Frame::Map {
                        members: Vec::new(),
                        key: None,
                        pos,
                        anchor,
                    }
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { items, pos, anchor }) => Some((
                    Node {
                        kind: NodeKind::Seq(items),
                        pos,
                    },
                    anchor,
                )),
                _ => {
                    return Err(YamlError {
                        pos,
                        message: "unbalanced sequence".into(),
                    });
                }
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    members, pos, anchor, ..
                }) => Some((
                    Node {
                        kind: NodeKind::Map(members),
                        pos,
                    },
                    anchor,
                )),
                _ => {
                    return Err(YamlError {
                        pos,
                        message: "unbalanced mapping".into(),
                    });
                }
            },
        };
        let Some((node, anchor)) = done else { continue };
        if anchor != 0 {
            nodes += count_nodes(&node);
            if nodes > MAX_NODES {
                return Err(too_many(node.pos));
            }
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { members, key, .. }) => match key.take() {
                None => {
                    let NodeKind::Scalar(k) = &node.kind else {
                        return Err(YamlError {
                            pos: node.pos,
                            message: "mapping keys must be plain strings".into(),
                        });
                    };
                    if let Some((first, _)) = members
                        .iter()
                        .find(|(other, _)| other.as_scalar().is_some_and(|o| o.text == k.text))
                    {
                        return Err(YamlError {
                            pos: node.pos,
                            message: format!(
                                "duplicate key `{}` (first at line {}); YAML forbids repeated keys",
                                k.text, first.pos.line
                            ),
                        });
                    }
                    *key = Some(node);
                }
                Some(k) => members.push((k, node)),
            },
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_positions_and_types() {
        let docs = parse("a: 1\nb:\n  - x\n  - 'null'\n  - null\n---\nc: {d: ~}\n").unwrap();
        assert_eq!(docs.len(), 2);
        let a = docs[0].root.get("a").unwrap();
        assert_eq!(a.as_str(), Some("1"));
        assert_eq!(a.pos, Pos { line: 1, col: 4 });
        let NodeKind::Seq(b) = &docs[0].root.get("b").unwrap().kind else {
            panic!("b is a list")
        };
        assert_eq!(b[1].as_str(), Some("null"));
        assert!(b[2].is_null());
        assert_eq!(b[2].pos.line, 5);
        assert!(docs[1].root.get("c").unwrap().get("d").unwrap().is_null());
        assert_eq!(docs[1].index, 1);
    }

    #[test]
    fn refuses_duplicates_depth_and_alias_bombs() {
        let e = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.pos.line, 3);
        assert!(e.message.contains("duplicate key `a`"), "{}", e.message);

        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&deep).unwrap_err().message.contains("nesting"));

        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 { "a".to_string() } else { format!("b{}", i - 1) };
            bomb.push_str(&format!("b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(parse(&bomb).unwrap_err().message.contains("more than"));

        assert!(parse("a: [1, 2").is_err());
        assert!(parse("? [a]\n: 1\n").is_err());
    }
}
