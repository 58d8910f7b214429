//! YAML and JSON read into a tree that remembers where each scalar is written, so a value can be
//! changed in place: the file is never re-serialised. CloudFormation's short-form intrinsics
//! (`!Ref X`, `!Sub …`) are YAML tags, kept on the node they mark. JSON is read by the same
//! parser (it is YAML's flow style).

use std::ops::Range;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Map { tag: Option<String>, entries: Vec<(String, Node)> },
    Seq { tag: Option<String>, items: Vec<Node> },
    Scalar(Scalar),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub value: String,
    /// `Ref` for `!Ref`, `Sub` for `!Sub` (the tag's suffix).
    pub tag: Option<String>,
    /// Where its token is in the source (quotes included), when it could be found.
    pub span: Option<Range<usize>>,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map { entries, .. } => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match self {
            Node::Seq { items, .. } => items,
            _ => &[],
        }
    }

    pub fn scalar(&self) -> Option<&Scalar> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// A plain (untagged) scalar's text.
    pub fn text(&self) -> Option<&str> {
        self.scalar().filter(|s| s.tag.is_none()).map(|s| s.value.as_str())
    }

    pub fn tag(&self) -> Option<&str> {
        match self {
            Node::Map { tag, .. } | Node::Seq { tag, .. } => tag.as_deref(),
            Node::Scalar(s) => s.tag.as_deref(),
        }
    }
}

/// Parse `src` (one YAML document, or JSON); None when it is not YAML at all.
pub fn parse(src: &str) -> Option<Node> {
    // The parser counts characters, spans are bytes.
    let bytes_at = if src.is_ascii() { Vec::new() } else { src.char_indices().map(|(b, _)| b).collect() };
    let mut builder = Builder { src, bytes_at, stack: Vec::new(), keys: Vec::new(), root: None };
    Parser::new_from_str(src).load(&mut builder, false).ok()?;
    builder.root
}

struct Builder<'a> {
    src: &'a str,
    /// Byte offset of each character (empty when the text is ASCII: the same numbers).
    bytes_at: Vec<usize>,
    stack: Vec<Node>,
    /// For each open map: the key waiting for its value.
    keys: Vec<Option<String>>,
    root: Option<Node>,
}

fn tag_of(tag: Option<yaml_rust2::parser::Tag>) -> Option<String> {
    tag.map(|t| t.suffix)
}

impl Builder<'_> {
    fn push_value(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Node::Seq { items, .. }) => items.push(node),
            Some(Node::Map { entries, .. }) => {
                let waiting = self.keys.last_mut().expect("a key slot for every open map");
                match waiting.take() {
                    Some(key) => entries.push((key, node)),
                    // A key: maps CloudFormation uses have scalar keys; others keep their text.
                    None => {
                        *waiting = Some(match node {
                            Node::Scalar(s) => s.value,
                            _ => String::new(),
                        })
                    }
                }
            }
            Some(Node::Scalar(_)) => {}
        }
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::MappingStart(_, tag) => {
                self.stack.push(Node::Map { tag: tag_of(tag), entries: Vec::new() });
                self.keys.push(None);
            }
            Event::SequenceStart(_, tag) => self.stack.push(Node::Seq { tag: tag_of(tag), items: Vec::new() }),
            Event::MappingEnd => {
                self.keys.pop();
                if let Some(node) = self.stack.pop() {
                    self.push_value(node);
                }
            }
            Event::SequenceEnd => {
                if let Some(node) = self.stack.pop() {
                    self.push_value(node);
                }
            }
            Event::Scalar(value, style, _, tag) => {
                let tag = tag_of(tag);
                let at = if self.bytes_at.is_empty() {
                    mark.index()
                } else {
                    self.bytes_at.get(mark.index()).copied().unwrap_or(self.src.len())
                };
                let span = token_span(self.src, at, &value, style, tag.as_deref());
                self.push_value(Node::Scalar(Scalar { value, tag, span }));
            }
            _ => {}
        }
    }
}

/// The scalar's token: the parser's mark is at or a little before it (block style marks the
/// `:` or the indentation before a value), so look forward past separators and the tag for the
/// token as it must be written. None when it is written in a way this does not follow (a
/// folded or multi-line scalar): such a value is not edited.
fn token_span(src: &str, from: usize, value: &str, style: TScalarStyle, tag: Option<&str>) -> Option<Range<usize>> {
    let bytes = src.as_bytes();
    let mut at = from.min(src.len());
    let skip = |at: &mut usize| {
        while *at < bytes.len() && matches!(bytes[*at], b' ' | b'\t' | b'\n' | b'\r' | b':' | b'-' | b',') {
            *at += 1;
        }
    };
    skip(&mut at);
    if let Some(tag) = tag {
        let written = format!("!{tag}");
        if src[at..].starts_with(&written) {
            at += written.len();
            skip(&mut at);
        }
    }
    let token = match style {
        TScalarStyle::Plain => value.to_string(),
        TScalarStyle::SingleQuoted => format!("'{}'", value.replace('\'', "''")),
        TScalarStyle::DoubleQuoted => {
            // Only escape-free strings are located (sizes, node types and names are).
            if value.contains(['"', '\\']) {
                return None;
            }
            format!("\"{value}\"")
        }
        _ => return None,
    };
    src[at..].starts_with(&token).then(|| at..at + token.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(src: &'a str, n: &Node) -> &'a str {
        &src[n.scalar().unwrap().span.clone().unwrap()]
    }

    #[test]
    fn scalars_know_where_they_are_written_in_yaml_with_tags_and_in_json() {
        let y = "# é ü\nP:\n  Default: \"1024\" # why\nR:\n  T:\n    Cpu: !Ref TaskCpu\n    Memory: '2048'\n    C:\n      - Name: app\n        Cpu: 512\n";
        let root = parse(y).unwrap();
        let t = root.get("R").unwrap().get("T").unwrap();
        assert_eq!(at(y, root.get("P").unwrap().get("Default").unwrap()), "\"1024\"");
        let cpu = t.get("Cpu").unwrap();
        assert_eq!((cpu.tag(), at(y, cpu)), (Some("Ref"), "TaskCpu"));
        assert_eq!(at(y, t.get("Memory").unwrap()), "'2048'");
        let c = &t.get("C").unwrap().items()[0];
        assert_eq!((c.get("Name").unwrap().text(), at(y, c.get("Cpu").unwrap())), (Some("app"), "512"));

        let j = "{\"R\": {\"Cpu\": {\"Ref\": \"X\"}, \"Memory\": \"2048\", \"C\": [ {\"Cpu\": 256} ]}}";
        let root = parse(j).unwrap();
        let r = root.get("R").unwrap();
        assert_eq!(at(j, r.get("Memory").unwrap()), "\"2048\"");
        assert_eq!(r.get("Cpu").unwrap().get("Ref").unwrap().text(), Some("X"));
        assert_eq!(at(j, r.get("C").unwrap().items()[0].get("Cpu").unwrap()), "256");
        assert_eq!(parse("a: [unclosed"), None);
    }
}
