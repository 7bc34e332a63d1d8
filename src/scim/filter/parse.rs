//! The RFC 7644 §3.4.2.2 filter grammar: a hand-written scanner and recursive-descent parser,
//! and the renderer that turns a [`Filter`] back into text.
//!
//! The grammar, with the RFC's precedence made explicit (`not` binds tightest, then `and`, then
//! `or`; both binary operators are left-associative):
//!
//! ```text
//! filter    = or
//! or        = and *("or" and)
//! and       = unary *("and" unary)
//! unary     = "not" "(" filter ")" / "(" filter ")" / attrPath "[" valFilter "]" / attrExp
//! valFilter = filter, without value paths
//! attrExp   = attrPath "pr" / attrPath compareOp compValue
//! compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"
//! compValue = "false" / "null" / "true" / number / string   ; JSON (RFC 8259) literals
//! ```
//!
//! Keywords and operators match case-insensitively. `not` is the keyword only when no operator
//! follows it: `not pr` tests an attribute called `not`, which the grammar allows. Whitespace separates tokens and is
//! optional where a token ends by itself (after a string or a bracket). Scanning is
//! context-sensitive rather than a separate token pass: what may come next is always known,
//! which is also what lets every error say what was expected, at which byte offset.
//!
//! The parser works on bytes for ASCII structure and only ever stops on a character boundary,
//! so no input, however malformed or multi-byte, can make it slice mid-character. Recursion
//! only happens on `(`, `not (` and `[`, and is capped at [`MAX_NESTING`]; the number of
//! comparisons is capped at [`MAX_EXPRESSIONS`], which bounds the depth of the left-leaning
//! `and`/`or` chains that everything walking a [`Filter`] recurses over.

use std::fmt;

use serde_json::{Number, Value};

use super::{CompareOp, Filter, FilterError};
use crate::scim::path::AttrPath;

/// How deeply `(`, `not (` and `[` may nest.
pub(super) const MAX_NESTING: usize = 64;

/// How many `attrPath op value` / `attrPath pr` / value-path expressions one filter may hold.
pub(super) const MAX_EXPRESSIONS: usize = 1000;

/// The comparison operators and `pr` (RFC 7644 §3.4.2.2, Table 3).
const OPERATORS: [&str; 10] = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"];

/// How much of an offending token an error message quotes.
const EXCERPT_CHARS: usize = 40;

pub(super) fn parse(text: &str) -> Result<Filter, FilterError> {
    let mut parser = Parser {
        text,
        pos: 0,
        depth: 0,
        expressions: 0,
        in_value_path: false,
    };
    parser.skip_ws();
    if parser.at_end() {
        return Err(parser.error(parser.pos, "empty filter"));
    }
    let filter = parser.or()?;
    parser.skip_ws();
    match parser.peek() {
        None => Ok(filter),
        Some(b')') => Err(parser.error(parser.pos, "unexpected `)` without a matching `(`")),
        Some(b']') => Err(parser.error(parser.pos, "unexpected `]` without a matching `[`")),
        Some(_) => Err(parser.error(
            parser.pos,
            format!(
                "trailing input: expected `and` or `or`, found {}",
                parser.found()
            ),
        )),
    }
}

/// The characters of an attribute path, an operator or a keyword.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'_' | b'$' | b'-')
}

/// At most [`EXCERPT_CHARS`] characters of `text`, for quoting in an error.
fn excerpt(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next unread character; always on a character boundary.
    pos: usize,
    /// How many `(`, `not (` and `[` enclose the current position.
    depth: usize,
    expressions: usize,
    /// Inside `attrPath[…]`, where another value path may not start.
    in_value_path: bool,
}

impl<'a> Parser<'a> {
    fn error(&self, offset: usize, reason: impl Into<String>) -> FilterError {
        FilterError {
            offset,
            reason: reason.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    /// Reads a run of word characters (possibly empty). Word characters are ASCII, so the end
    /// is a character boundary.
    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(is_word_byte) {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    /// Describes what is at the current position, for "expected …, found …" messages.
    fn found(&self) -> String {
        let rest = &self.text[self.pos..];
        let Some(first) = rest.chars().next() else {
            return "end of input".to_owned();
        };
        if first.is_ascii() && is_word_byte(first as u8) {
            let end = rest
                .bytes()
                .position(|b| !is_word_byte(b))
                .unwrap_or(rest.len());
            format!("`{}`", excerpt(&rest[..end]))
        } else if first == '"' {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            format!("`{}`", excerpt(&rest[..end]))
        } else {
            format!("`{first}`")
        }
    }

    /// Consumes the keyword `keyword` (case-insensitively) if it comes next, after optional
    /// whitespace; otherwise leaves the position where it was.
    fn keyword(&mut self, keyword: &str) -> bool {
        let before = self.pos;
        self.skip_ws();
        if self.word().eq_ignore_ascii_case(keyword) {
            true
        } else {
            self.pos = before;
            false
        }
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some(b'(') => self.group(),
            Some(b) if is_word_byte(b) => {
                let word = self.word();
                if word.eq_ignore_ascii_case("not") && !self.operator_follows() {
                    // RFC 7644 §3.4.2.2: `"not" "(" valFilter ")"`; the parentheses are not
                    // optional.
                    self.skip_ws();
                    if self.peek() != Some(b'(') {
                        return Err(self.error(self.pos, "`not` must be followed by `(`"));
                    }
                    Ok(Filter::Not(Box::new(self.group()?)))
                } else {
                    self.attribute_expression(start, word)
                }
            }
            Some(b')') => Err(self.error(
                start,
                "unexpected `)`: expected an attribute path, `(` or `not`",
            )),
            Some(b']') => Err(self.error(
                start,
                "unexpected `]`: expected an attribute path, `(` or `not`",
            )),
            _ => Err(self.error(
                start,
                format!(
                    "expected an attribute path, `(` or `not`, found {}",
                    self.found()
                ),
            )),
        }
    }

    /// Whether an operator or `[` comes next, which makes a preceding `not` an attribute
    /// name (`not pr`) rather than the keyword: the grammar allows an attribute called `not`.
    fn operator_follows(&mut self) -> bool {
        let before = self.pos;
        self.skip_ws();
        let follows = self.peek() == Some(b'[') || {
            let word = self.word();
            OPERATORS.iter().any(|op| word.eq_ignore_ascii_case(op))
        };
        self.pos = before;
        follows
    }

    /// `"(" filter ")"`, with the position on the `(`.
    fn group(&mut self) -> Result<Filter, FilterError> {
        let open = self.pos;
        self.enter(open)?;
        self.pos += 1;
        let inner = self.or()?;
        self.close(b')', open)?;
        self.depth -= 1;
        Ok(inner)
    }

    fn enter(&mut self, at: usize) -> Result<(), FilterError> {
        if self.depth >= MAX_NESTING {
            return Err(self.error(
                at,
                format!("the filter nests more than {MAX_NESTING} levels deep"),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    /// Consumes `closer`, which ends the bracket opened at `open`.
    fn close(&mut self, closer: u8, open: usize) -> Result<(), FilterError> {
        self.skip_ws();
        if self.peek() == Some(closer) {
            self.pos += 1;
            return Ok(());
        }
        let (closer, opener) = if closer == b')' {
            (')', '(')
        } else {
            (']', '[')
        };
        Err(self.error(
            self.pos,
            format!(
                "expected `and`, `or` or `{closer}` to close the `{opener}` at offset {open}, found {}",
                self.found()
            ),
        ))
    }

    /// What follows an attribute path: `[valFilter]`, `pr`, or an operator and a value.
    fn attribute_expression(&mut self, start: usize, word: &str) -> Result<Filter, FilterError> {
        let path = AttrPath::parse(word).map_err(|e| self.error(start, e.to_string()))?;
        self.expressions += 1;
        if self.expressions > MAX_EXPRESSIONS {
            return Err(self.error(
                start,
                format!("the filter has more than {MAX_EXPRESSIONS} comparisons"),
            ));
        }
        self.skip_ws();
        if self.peek() == Some(b'[') {
            return self.value_path(path);
        }
        let op_at = self.pos;
        let op_word = self.word();
        if op_word.is_empty() {
            return Err(self.error(
                op_at,
                format!(
                    "expected an operator after `{}`, found {}",
                    excerpt(word),
                    self.found()
                ),
            ));
        }
        let op = match op_word.to_ascii_lowercase().as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => {
                return Err(self.error(
                    op_at,
                    format!(
                        "unknown operator `{}` after `{}`; expected eq, ne, co, sw, ew, gt, ge, lt, le or pr",
                        excerpt(op_word),
                        excerpt(word)
                    ),
                ));
            }
        };
        self.skip_ws();
        let value = self.value(op)?;
        Ok(Filter::Compare { path, op, value })
    }

    /// `attrPath "[" valFilter "]"`, with the position on the `[`.
    fn value_path(&mut self, path: AttrPath) -> Result<Filter, FilterError> {
        let open = self.pos;
        if self.in_value_path {
            return Err(self.error(open, "value paths cannot be nested"));
        }
        self.enter(open)?;
        self.pos += 1;
        self.in_value_path = true;
        let filter = self.or()?;
        self.in_value_path = false;
        self.close(b']', open)?;
        self.depth -= 1;
        if self.peek() == Some(b'.') {
            // `emails[type eq "work"].value` is a PATCH path (RFC 7644 §3.5.2), not a filter.
            return Err(self.error(
                self.pos,
                "a value path in a filter cannot be followed by a sub-attribute",
            ));
        }
        Ok(Filter::ValuePath {
            path,
            filter: Box::new(filter),
        })
    }

    /// `compValue`: a JSON string, number, `true`, `false` or `null`.
    fn value(&mut self, op: CompareOp) -> Result<Value, FilterError> {
        let start = self.pos;
        if self.peek() == Some(b'"') {
            return self.string().map(Value::String);
        }
        let rest = &self.text[self.pos..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"'))
            .unwrap_or(rest.len());
        let token = &rest[..end];
        if token.is_empty() {
            return Err(self.error(
                start,
                format!(
                    "expected a value after `{}`, found {}",
                    op.as_str(),
                    self.found()
                ),
            ));
        }
        let value = match token.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            _ if is_json_number(token) => Value::Number(number(token).ok_or_else(|| {
                self.error(
                    start,
                    format!("number `{}` is out of range", excerpt(token)),
                )
            })?),
            _ => {
                return Err(self.error(
                    start,
                    format!(
                        "`{}` is not a value: strings must be in double quotes; other values are \
                         numbers, true, false or null",
                        excerpt(token)
                    ),
                ));
            }
        };
        self.pos += end;
        Ok(value)
    }

    /// A JSON string (RFC 8259 §7), with the position on the opening quote.
    fn string(&mut self) -> Result<String, FilterError> {
        let open = self.pos;
        let body = open + 1;
        let mut out = String::new();
        let mut chars = self.text[body..].char_indices();
        loop {
            let Some((i, c)) = chars.next() else {
                return Err(self.error(open, "unterminated string"));
            };
            let at = body + i;
            match c {
                '"' => {
                    self.pos = at + 1;
                    return Ok(out);
                }
                '\\' => {
                    let Some((_, escaped)) = chars.next() else {
                        return Err(self.error(open, "unterminated string"));
                    };
                    let decoded = match escaped {
                        '"' => '"',
                        '\\' => '\\',
                        '/' => '/',
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        'u' => {
                            let (decoded, len) = self.unicode_escape(at)?;
                            // The escape is ASCII, so `len` bytes are `len` characters; the
                            // `\u` itself is already consumed.
                            for _ in 2..len {
                                chars.next();
                            }
                            decoded
                        }
                        other => {
                            return Err(
                                self.error(at, format!("invalid escape `\\{other}` in string"))
                            );
                        }
                    };
                    out.push(decoded);
                }
                c if c < ' ' => {
                    return Err(self.error(
                        at,
                        format!(
                            "control character U+{:04X} in a string must be escaped",
                            c as u32
                        ),
                    ));
                }
                c => out.push(c),
            }
        }
    }

    /// Decodes `\uXXXX` (or a `\uXXXX\uXXXX` surrogate pair) starting at the backslash at
    /// `at`, returning the character and how many bytes the escape spans.
    fn unicode_escape(&self, at: usize) -> Result<(char, usize), FilterError> {
        let high = self
            .hex4(at + 2)
            .ok_or_else(|| self.error(at, "`\\u` must be followed by four hex digits"))?;
        let unpaired = || self.error(at, format!("unpaired surrogate `\\u{high:04X}` in string"));
        match high {
            0xD800..=0xDBFF => {
                let bytes = self.text.as_bytes();
                if bytes.get(at + 6) != Some(&b'\\') || bytes.get(at + 7) != Some(&b'u') {
                    return Err(unpaired());
                }
                let low = self.hex4(at + 8).ok_or_else(|| {
                    self.error(at + 6, "`\\u` must be followed by four hex digits")
                })?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(unpaired());
                }
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                char::from_u32(code).map(|c| (c, 12)).ok_or_else(unpaired)
            }
            0xDC00..=0xDFFF => Err(unpaired()),
            _ => char::from_u32(high).map(|c| (c, 6)).ok_or_else(unpaired),
        }
    }

    /// Four hex digits at byte offset `at`.
    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.text.as_bytes().get(at..at + 4)?;
        digits
            .iter()
            .try_fold(0, |acc, &b| Some(acc * 16 + (b as char).to_digit(16)?))
    }
}

/// `-? (0 / [1-9] DIGIT*) ("." DIGIT+)? ([eE] [+-]? DIGIT+)?` (RFC 8259 §6).
fn is_json_number(token: &str) -> bool {
    let bytes = token.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == bytes.len()
}

/// The number a valid JSON number token denotes: an integer when it has no fraction or
/// exponent and fits 64 bits, otherwise the nearest `f64` (Rust's parser rounds correctly, so
/// rendered numbers parse back to the same value). `None` when it overflows `f64`.
fn number(token: &str) -> Option<Number> {
    let integral = !token.contains(['.', 'e', 'E']);
    if integral {
        if let Ok(n) = token.parse::<i64>() {
            return Some(n.into());
        }
        if let Ok(n) = token.parse::<u64>() {
            return Some(n.into());
        }
    }
    token.parse::<f64>().ok().and_then(Number::from_f64)
}

/// Binding strength, weakest first.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Precedence {
    Or,
    And,
    Operand,
}

pub(super) fn display(filter: &Filter, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write(filter, Precedence::Or, f)
}

/// Writes `filter` where the surrounding context binds with `context`.
fn write(filter: &Filter, context: Precedence, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match filter {
        // `Value`'s `Display` is compact JSON: strings come out quoted and escaped.
        Filter::Compare { path, op, value } => write!(f, "{path} {} {value}", op.as_str()),
        Filter::Present(path) => write!(f, "{path} pr"),
        Filter::Not(inner) => {
            f.write_str("not (")?;
            write(inner, Precedence::Or, f)?;
            f.write_str(")")
        }
        Filter::ValuePath { path, filter } => {
            write!(f, "{path}[")?;
            write(filter, Precedence::Or, f)?;
            f.write_str("]")
        }
        Filter::And(left, right) => binary(left, "and", right, Precedence::And, context, f),
        Filter::Or(left, right) => binary(left, "or", right, Precedence::Or, context, f),
    }
}

/// Writes a left-associative binary operator: the left operand may be the same operator
/// unparenthesised, the right one may not.
fn binary(
    left: &Filter,
    keyword: &str,
    right: &Filter,
    own: Precedence,
    context: Precedence,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    let parenthesise = context > own;
    let tighter = match own {
        Precedence::Or => Precedence::And,
        Precedence::And | Precedence::Operand => Precedence::Operand,
    };
    if parenthesise {
        f.write_str("(")?;
    }
    write(left, own, f)?;
    write!(f, " {keyword} ")?;
    write(right, tighter, f)?;
    if parenthesise {
        f.write_str(")")?;
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::scim::schema::{ENTERPRISE_USER_SCHEMA, USER_SCHEMA};

    fn path(text: &str) -> AttrPath {
        AttrPath::parse(text).unwrap()
    }

    fn eq(attr: &str, value: Value) -> Filter {
        Filter::Compare {
            path: path(attr),
            op: CompareOp::Eq,
            value,
        }
    }

    fn present(attr: &str) -> Filter {
        Filter::Present(path(attr))
    }

    fn and(left: Filter, right: Filter) -> Filter {
        Filter::And(Box::new(left), Box::new(right))
    }

    fn or(left: Filter, right: Filter) -> Filter {
        Filter::Or(Box::new(left), Box::new(right))
    }

    fn not(inner: Filter) -> Filter {
        Filter::Not(Box::new(inner))
    }

    fn error(text: &str) -> FilterError {
        match Filter::parse(text) {
            Ok(filter) => panic!("{text:?} parsed as {filter:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn parses_every_comparison_operator_in_any_case() {
        let cases = [
            ("eq", CompareOp::Eq),
            ("NE", CompareOp::Ne),
            ("Co", CompareOp::Co),
            ("sW", CompareOp::Sw),
            ("ew", CompareOp::Ew),
            ("GT", CompareOp::Gt),
            ("ge", CompareOp::Ge),
            ("Lt", CompareOp::Lt),
            ("le", CompareOp::Le),
        ];
        for (written, op) in cases {
            // Arrange
            let text = format!("userName {written} \"bjensen\"");

            // Act
            let filter = Filter::parse(&text).unwrap();

            // Assert
            assert_eq!(
                filter,
                Filter::Compare {
                    path: path("userName"),
                    op,
                    value: json!("bjensen")
                },
                "{text}"
            );
        }
    }

    #[test]
    fn parses_present_and_the_json_literals() {
        assert_eq!(Filter::parse("title PR").unwrap(), present("title"));
        assert_eq!(
            Filter::parse("active eq true").unwrap(),
            eq("active", json!(true))
        );
        assert_eq!(
            Filter::parse("active eq FALSE").unwrap(),
            eq("active", json!(false))
        );
        assert_eq!(
            Filter::parse("title eq Null").unwrap(),
            eq("title", Value::Null)
        );
    }

    #[test]
    fn parses_json_numbers() {
        assert_eq!(Filter::parse("x eq 42").unwrap(), eq("x", json!(42)));
        assert_eq!(Filter::parse("x eq -7").unwrap(), eq("x", json!(-7)));
        assert_eq!(Filter::parse("x eq 0").unwrap(), eq("x", json!(0)));
        assert_eq!(Filter::parse("x eq 1.5").unwrap(), eq("x", json!(1.5)));
        assert_eq!(
            Filter::parse("x eq -2.5E+2").unwrap(),
            eq("x", json!(-250.0))
        );
        assert_eq!(Filter::parse("x eq 1e-3").unwrap(), eq("x", json!(0.001)));
        assert_eq!(
            Filter::parse("x eq 18446744073709551615").unwrap(),
            eq("x", json!(u64::MAX))
        );
        assert_eq!(
            Filter::parse("x eq 123456789012345678901234567890").unwrap(),
            eq("x", json!(1.2345678901234568e29))
        );
    }

    #[test]
    fn decodes_every_json_string_escape() {
        // Arrange
        let text = r#"displayName eq "q\" b\\ s\/ \b\f\n\r\t \u00e9 \uD83D\uDE00 ü""#;

        // Act
        let filter = Filter::parse(text).unwrap();

        // Assert
        assert_eq!(
            filter,
            eq("displayName", json!("q\" b\\ s/ \u{8}\u{c}\n\r\t é 😀 ü"))
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        // Act
        let filter = Filter::parse("a pr or b pr and c pr").unwrap();

        // Assert
        assert_eq!(filter, or(present("a"), and(present("b"), present("c"))));
    }

    #[test]
    fn and_and_or_are_left_associative() {
        assert_eq!(
            Filter::parse("a pr and b pr and c pr").unwrap(),
            and(and(present("a"), present("b")), present("c"))
        );
        assert_eq!(
            Filter::parse("a pr or b pr or c pr").unwrap(),
            or(or(present("a"), present("b")), present("c"))
        );
    }

    #[test]
    fn parentheses_group() {
        assert_eq!(
            Filter::parse("(a pr or b pr) and c pr").unwrap(),
            and(or(present("a"), present("b")), present("c"))
        );
        assert_eq!(Filter::parse("((a pr))").unwrap(), present("a"));
    }

    #[test]
    fn not_binds_tightest_and_takes_parentheses() {
        assert_eq!(
            Filter::parse("NOT (a pr) and b pr").unwrap(),
            and(not(present("a")), present("b"))
        );
        assert_eq!(
            Filter::parse("not(a pr or b pr)").unwrap(),
            not(or(present("a"), present("b")))
        );
    }

    #[test]
    fn not_followed_by_an_operator_is_an_attribute_name() {
        // The grammar allows an attribute called `not`; only `not (` is the keyword.
        assert_eq!(Filter::parse("not pr").unwrap(), present("not"));
        assert_eq!(Filter::parse("NOT eq 1").unwrap(), eq("NOT", json!(1)));
    }

    #[test]
    fn keywords_are_case_insensitive_and_whitespace_is_flexible() {
        assert_eq!(
            Filter::parse(" \t a pr \tAND\t b pr  Or c pr \n").unwrap(),
            or(and(present("a"), present("b")), present("c"))
        );
        assert_eq!(
            Filter::parse("(a pr)and(b pr)").unwrap(),
            and(present("a"), present("b"))
        );
        assert_eq!(
            Filter::parse("userName eq\"x\"").unwrap(),
            eq("userName", json!("x"))
        );
    }

    #[test]
    fn parses_value_paths_with_and_inside_and_logic_outside() {
        // Act
        let filter = Filter::parse(
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        )
        .unwrap();

        // Assert
        let value_path = Filter::ValuePath {
            path: path("emails"),
            filter: Box::new(and(
                eq("type", json!("work")),
                Filter::Compare {
                    path: path("value"),
                    op: CompareOp::Co,
                    value: json!("@example.com"),
                },
            )),
        };
        assert_eq!(filter, and(eq("userType", json!("Employee")), value_path));
    }

    #[test]
    fn parses_sub_attribute_and_urn_qualified_paths() {
        // Act
        let sub = Filter::parse(r#"name.familyName co "O'Malley""#).unwrap();
        let core = Filter::parse(&format!("{USER_SCHEMA}:userName sw \"J\"")).unwrap();
        let extension =
            Filter::parse(&format!("{ENTERPRISE_USER_SCHEMA}:employeeNumber eq \"1\"")).unwrap();
        let whole = Filter::parse(&format!("{ENTERPRISE_USER_SCHEMA} pr")).unwrap();

        // Assert
        let Filter::Compare { path: sub, .. } = sub else {
            panic!("{sub:?}")
        };
        assert_eq!(
            (sub.name.as_str(), sub.sub.as_deref()),
            ("name", Some("familyName"))
        );
        let Filter::Compare { path: core, .. } = core else {
            panic!("{core:?}")
        };
        assert_eq!(core.urn.as_deref(), Some(USER_SCHEMA));
        assert_eq!(core.name, "userName");
        let Filter::Compare {
            path: extension, ..
        } = extension
        else {
            panic!("{extension:?}")
        };
        assert_eq!(extension.urn.as_deref(), Some(ENTERPRISE_USER_SCHEMA));
        assert_eq!(extension.name, "employeeNumber");
        assert_eq!(
            whole,
            Filter::Present(AttrPath::parse(ENTERPRISE_USER_SCHEMA).unwrap())
        );
    }

    #[test]
    fn every_error_names_its_offset_and_reason() {
        let deep = format!(
            "{}a pr{}",
            "(".repeat(MAX_NESTING + 1),
            ")".repeat(MAX_NESTING + 1)
        );
        let cases: Vec<(String, usize, &str)> = vec![
            ("".into(), 0, "empty filter"),
            ("  \t ".into(), 4, "empty filter"),
            (
                "userName".into(),
                8,
                "expected an operator after `userName`, found end of input",
            ),
            (
                "userName = \"x\"".into(),
                9,
                "expected an operator after `userName`, found `=`",
            ),
            (
                "userName xx \"x\"".into(),
                9,
                "unknown operator `xx` after `userName`",
            ),
            (
                "userName eq".into(),
                11,
                "expected a value after `eq`, found end of input",
            ),
            (
                "userName eq bjensen".into(),
                12,
                "`bjensen` is not a value: strings must be in double quotes",
            ),
            ("x eq 01".into(), 5, "`01` is not a value"),
            ("x eq 1.".into(), 5, "`1.` is not a value"),
            ("x eq 1e400".into(), 5, "number `1e400` is out of range"),
            ("userName eq \"abc".into(), 12, "unterminated string"),
            ("userName eq \"abc\\".into(), 12, "unterminated string"),
            (
                "userName eq \"a\\qb\"".into(),
                14,
                "invalid escape `\\q` in string",
            ),
            (
                "userName eq \"\\u12\"".into(),
                13,
                "`\\u` must be followed by four hex digits",
            ),
            (
                "userName eq \"\\uD800\"".into(),
                13,
                "unpaired surrogate `\\uD800` in string",
            ),
            (
                "userName eq \"\\uD800\\u0041\"".into(),
                13,
                "unpaired surrogate `\\uD800` in string",
            ),
            (
                "userName eq \"\\uDC00\"".into(),
                13,
                "unpaired surrogate `\\uDC00` in string",
            ),
            (
                "userName eq \"a\nb\"".into(),
                14,
                "control character U+000A in a string must be escaped",
            ),
            ("not userName pr".into(), 4, "`not` must be followed by `(`"),
            ("not".into(), 3, "`not` must be followed by `(`"),
            (
                "userName pr)".into(),
                11,
                "unexpected `)` without a matching `(`",
            ),
            (
                "userName pr]".into(),
                11,
                "unexpected `]` without a matching `[`",
            ),
            (
                "()".into(),
                1,
                "unexpected `)`: expected an attribute path, `(` or `not`",
            ),
            (
                "userName pr \"x\"".into(),
                12,
                "trailing input: expected `and` or `or`, found `\"x\"`",
            ),
            (
                "a pr andb pr".into(),
                5,
                "trailing input: expected `and` or `or`, found `andb`",
            ),
            (
                "a pr and".into(),
                8,
                "expected an attribute path, `(` or `not`, found end of input",
            ),
            (
                "=".into(),
                0,
                "expected an attribute path, `(` or `not`, found `=`",
            ),
            (
                "(a pr".into(),
                5,
                "expected `and`, `or` or `)` to close the `(` at offset 0, found end of input",
            ),
            (
                "(a pr]".into(),
                5,
                "expected `and`, `or` or `)` to close the `(` at offset 0, found `]`",
            ),
            (
                "emails[type eq \"w\"".into(),
                18,
                "expected `and`, `or` or `]` to close the `[` at offset 6",
            ),
            (
                "emails[type[value pr]]".into(),
                11,
                "value paths cannot be nested",
            ),
            (
                "emails[type pr].value pr".into(),
                15,
                "cannot be followed by a sub-attribute",
            ),
            ("1abc pr".into(), 0, "`1abc` is not a valid attribute path"),
            ("a..b pr".into(), 0, "`a..b` is not a valid attribute path"),
            (
                deep,
                MAX_NESTING,
                "the filter nests more than 64 levels deep",
            ),
        ];
        for (text, offset, reason) in cases {
            // Act
            let error = error(&text);

            // Assert
            assert!(
                error.reason.contains(reason),
                "{text:?}: {error:?} does not say {reason:?}"
            );
            assert_eq!(error.offset, offset, "{text:?}: {error:?}");
        }
    }

    #[test]
    fn offsets_count_bytes_through_multi_byte_text() {
        // "é" is two bytes, "😀" four.
        assert_eq!(error("displayName eq \"é\" é").offset, 20);
        assert_eq!(error("é pr").offset, 0);
        assert_eq!(error("displayName eq \"😀\u{1}\"").offset, 20);
        assert_eq!(
            error("a pr 😀").reason,
            "trailing input: expected `and` or `or`, found `😀`"
        );
    }

    #[test]
    fn caps_the_number_of_comparisons() {
        // Arrange
        let text = vec!["a pr"; MAX_EXPRESSIONS + 1].join(" or ");

        // Act
        let error = error(&text);

        // Assert
        assert_eq!(error.reason, "the filter has more than 1000 comparisons");
        assert_eq!(error.offset, MAX_EXPRESSIONS * "a pr or ".len());
        assert!(Filter::parse(&vec!["a pr"; MAX_EXPRESSIONS].join(" or ")).is_ok());
    }

    #[test]
    fn deeply_nested_not_is_an_error_not_a_stack_overflow() {
        let text = format!("{}a pr{}", "not (".repeat(10_000), ")".repeat(10_000));
        assert_eq!(
            error(&text).offset,
            MAX_NESTING * "not (".len() + "not ".len()
        );
    }

    #[test]
    fn display_parenthesises_only_where_precedence_needs_it() {
        // Arrange
        let filter = and(
            or(present("a"), present("b")),
            and(not(present("c")), eq("d", json!("x \"y\""))),
        );

        // Act
        let text = filter.to_string();

        // Assert
        assert_eq!(
            text,
            r#"(a pr or b pr) and (not (c pr) and d eq "x \"y\"")"#
        );
        assert_eq!(Filter::parse(&text).unwrap(), filter);
    }

    #[test]
    fn display_renders_value_paths_and_urns() {
        let text = format!(
            "emails[type eq \"work\" or primary eq true] and {ENTERPRISE_USER_SCHEMA}:manager.value eq \"7\""
        );
        let filter = Filter::parse(&text).unwrap();
        assert_eq!(filter.to_string(), text);
    }

    /// A filter-ish string: tokens of the grammar in random order, with or without spaces.
    fn filterish() -> impl Strategy<Value = String> {
        let token = prop_oneof![
            Just("userName".to_owned()),
            Just("emails".to_owned()),
            Just("name.givenName".to_owned()),
            Just(format!("{ENTERPRISE_USER_SCHEMA}:manager.value")),
            Just("eq".to_owned()),
            Just("Pr".to_owned()),
            Just("and".to_owned()),
            Just("OR".to_owned()),
            Just("not".to_owned()),
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just("\"".to_owned()),
            Just("\\u".to_owned()),
            Just("\\uD83D".to_owned()),
            Just("true".to_owned()),
            Just("-1.5e3".to_owned()),
            Just("é😀".to_owned()),
            "\"[^\"]{0,6}\"",
            "\\PC{0,3}",
        ];
        (prop::collection::vec(token, 0..24), any::<bool>())
            .prop_map(|(tokens, spaced)| tokens.join(if spaced { " " } else { "" }))
    }

    fn arb_path() -> impl Strategy<Value = AttrPath> {
        let urn = prop_oneof![
            3 => Just(None),
            1 => Just(Some(USER_SCHEMA.to_owned())),
            1 => Just(Some(ENTERPRISE_USER_SCHEMA.to_owned())),
        ];
        let name = prop::sample::select(vec![
            "userName", "name", "emails", "active", "$ref", "x-y_1", "NOT", "and",
        ]);
        let sub = prop::option::of(prop::sample::select(vec!["value", "familyName", "type"]));
        (urn, name, sub).prop_map(|(urn, name, sub)| AttrPath {
            urn,
            name: name.to_owned(),
            sub: sub.map(str::to_owned),
        })
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<String>().prop_map(Value::String),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
        ]
    }

    fn arb_op() -> impl Strategy<Value = CompareOp> {
        prop::sample::select(vec![
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Co,
            CompareOp::Sw,
            CompareOp::Ew,
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Lt,
            CompareOp::Le,
        ])
    }

    /// `attrPath op value` or `attrPath pr`.
    fn arb_leaf(
        path: BoxedStrategy<AttrPath>,
        value: BoxedStrategy<Value>,
    ) -> impl Strategy<Value = Filter> {
        prop_oneof![
            (path.clone(), arb_op(), value).prop_map(|(path, op, value)| Filter::Compare {
                path,
                op,
                value
            }),
            path.prop_map(Filter::Present),
        ]
    }

    /// And/or/not trees over `leaf`.
    fn arb_tree(leaf: BoxedStrategy<Filter>) -> impl Strategy<Value = Filter> {
        leaf.prop_recursive(5, 32, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone())
                    .prop_map(|(l, r)| Filter::And(Box::new(l), Box::new(r))),
                (inner.clone(), inner.clone())
                    .prop_map(|(l, r)| Filter::Or(Box::new(l), Box::new(r))),
                inner.prop_map(|f| Filter::Not(Box::new(f))),
            ]
        })
    }

    /// Any filter the grammar can express over these paths and values: and/or/not trees whose
    /// leaves may be value paths, which hold trees without value paths.
    pub(in crate::scim::filter) fn arb_filter_over(
        path: BoxedStrategy<AttrPath>,
        value: BoxedStrategy<Value>,
    ) -> impl Strategy<Value = Filter> {
        let leaf = arb_leaf(path.clone(), value).boxed();
        let value_path =
            (path, arb_tree(leaf.clone())).prop_map(|(path, filter)| Filter::ValuePath {
                path,
                filter: Box::new(filter),
            });
        arb_tree(prop_oneof![3 => leaf, 1 => value_path].boxed())
    }

    fn arb_filter() -> impl Strategy<Value = Filter> {
        arb_filter_over(arb_path().boxed(), arb_value().boxed())
    }

    proptest! {
        #[test]
        fn parse_never_panics_on_arbitrary_text(text in any::<String>()) {
            let _ = Filter::parse(&text);
        }

        #[test]
        fn parse_never_panics_on_filterish_text(text in filterish()) {
            let _ = Filter::parse(&text);
        }

        #[test]
        fn rendering_parses_back_to_the_same_filter(filter in arb_filter()) {
            let text = filter.to_string();
            prop_assert_eq!(Filter::parse(&text), Ok(filter), "rendered as {}", text);
        }
    }
}
