//! Problems found in a manual's content, reported to authors as `path:line:column` with a plain
//! English message and, where there is one, what to do about it.
//!
//! Every stage collects diagnostics instead of stopping at the first problem, so an author sees
//! all of them at once; the build fails once, at the end, if any of them is an error.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one file. `line` and `column` are 1-based; 0 means "the whole file".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
    /// The text of the offending line, shown under the location.
    #[serde(skip)]
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, path.into(), message.into())
    }

    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, path.into(), message.into())
    }

    fn new(severity: Severity, path: PathBuf, message: String) -> Self {
        Diagnostic {
            severity,
            path,
            line: 0,
            column: 0,
            message,
            help: None,
            source_line: None,
        }
    }

    /// Places the diagnostic at a 1-based line and column.
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    /// Places the diagnostic at a byte offset of `source` (the whole file), and keeps the text of
    /// that line to show.
    pub fn at_offset(self, source: &str, offset: usize) -> Self {
        let (line, column) = line_col(source, offset);
        self.at(line, column).with_source_line(source)
    }

    /// Keeps the text of the diagnostic's line from `source` (the whole file).
    pub fn with_source_line(mut self, source: &str) -> Self {
        if self.line > 0 {
            self.source_line = source
                .lines()
                .nth(self.line - 1)
                .map(|l| l.trim_end().to_owned());
        }
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `path:line:column`, or less where the position is not known.
    pub fn location(&self) -> String {
        let path = self.path.display();
        match (self.line, self.column) {
            (0, _) => format!("{path}"),
            (l, 0) => format!("{path}:{l}"),
            (l, c) => format!("{path}:{l}:{c}"),
        }
    }
}

impl fmt::Display for Diagnostic {
    /// rustc-style: the message, the location, the offending line with a caret, then the help.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}: {}", self.message)?;
        writeln!(f, "  --> {}", self.location())?;
        if let Some(text) = &self.source_line {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            writeln!(f, " {pad} |")?;
            writeln!(f, " {gutter} | {text}")?;
            if self.column > 0 {
                let caret_pad: String = text
                    .chars()
                    .take(self.column - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                writeln!(f, " {pad} | {caret_pad}^")?;
            }
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {help}")?;
        }
        Ok(())
    }
}

/// 1-based line and column (in characters) of a byte offset in `source`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The diagnostics of one run, in the order found; sorted by file and line for display.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Errors first, then by file, line and column: the order an author fixes them in.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.0.sort_by(|a, b| {
            (a.severity, &a.path, a.line, a.column).cmp(&(b.severity, &b.path, b.line, b.column))
        });
        self.0.dedup();
        self.0
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl Diagnostics {
    /// "1 error, 2 warnings."
    pub fn summary(&self) -> String {
        format!(
            "{}, {}.",
            plural(self.error_count(), "error"),
            plural(self.warning_count(), "warning")
        )
    }

    /// Every diagnostic, errors first then by file and line, for a terminal: with `colour`,
    /// "error" is shown in red and "warning" in yellow.
    pub fn render(&self, colour: bool) -> String {
        let mut out = String::new();
        for d in self.clone().sorted() {
            let text = d.to_string();
            if colour {
                let (label, code) = if d.is_error() {
                    ("error", "1;31")
                } else {
                    ("warning", "1;33")
                };
                out.push_str(&text.replacen(label, &format!("\x1b[{code}m{label}\x1b[0m"), 1));
            } else {
                out.push_str(&text);
            }
            out.push('\n');
        }
        out
    }
}

/// "1 chapter", "3 chapters".
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Whether diagnostics on stderr should be in colour: on a terminal, unless `NO_COLOR` is set.
pub fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Every diagnostic, errors first then by file and line, one after another.
impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.clone().sorted() {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(list: Vec<Diagnostic>) -> Self {
        Diagnostics(list)
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// A path shown to authors: relative to the manual's root where possible.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_characters() {
        let src = "ab\ncé d\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        // 'd' is after "cé " (4 bytes, 3 characters).
        assert_eq!(line_col(src, 7), (2, 4));
    }

    #[test]
    fn display_shows_location_line_caret_and_help() {
        let d = Diagnostic::error("content/a.md", "unknown key `titel`")
            .at(3, 1)
            .with_source_line("---\nid: a\ntitel: X\n---\n")
            .with_help("did you mean `title`?");
        let text = d.to_string();
        assert_eq!(
            text,
            "error: unknown key `titel`\n  --> content/a.md:3:1\n   |\n 3 | titel: X\n   | ^\n  = help: did you mean `title`?\n"
        );
    }

    #[test]
    fn sorted_puts_errors_first_then_by_place() {
        let mut all = Diagnostics::new();
        all.push(Diagnostic::warning("b.md", "w").at(1, 1));
        all.push(Diagnostic::error("b.md", "e2").at(5, 1));
        all.push(Diagnostic::error("a.md", "e1").at(9, 1));
        let order: Vec<_> = all.sorted().into_iter().map(|d| d.message).collect();
        assert_eq!(order, ["e1", "e2", "w"]);
    }
}
