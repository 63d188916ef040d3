//! Raw delimited text tables: cells as strings, each row remembering its line for errors.

use crate::DataError;
use std::path::{Path, PathBuf};

/// How a file is laid out.
#[derive(Debug, Clone)]
pub(crate) struct Format {
    pub delimiter: u8,
    /// Column names for files without a header row; `None` means the first row is the header.
    pub names: Option<Vec<String>>,
    /// Lines starting with this byte are skipped (Adult's test file opens with `|1x3 …`).
    pub comment: Option<u8>,
}

impl Default for Format {
    fn default() -> Self {
        Format {
            delimiter: b',',
            names: None,
            comment: None,
        }
    }
}

/// A parsed file. Every row has exactly `header.len()` cells, trimmed of surrounding spaces.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<csv::StringRecord>,
    /// 1-based line on which each row starts.
    pub lines: Vec<u64>,
    /// Line of the header (0 when the names were given rather than read).
    pub header_line: u64,
}

/// The 1-based line on which record `r` really starts. The csv reader reports the position
/// where it began looking for the record, before any blank or comment lines it skipped, so
/// those are skipped here again while counting lines.
fn start_line(bytes: &[u8], r: &csv::StringRecord, comment: Option<u8>) -> u64 {
    let Some(pos) = r.position() else { return 0 };
    let (mut at, mut line) = (pos.byte() as usize, pos.line());
    while at < bytes.len() {
        let skip = match bytes[at] {
            b'\n' => 1,
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => 2,
            b'\r' => 1,
            b if Some(b) == comment => match bytes[at..].iter().position(|&c| c == b'\n') {
                Some(nl) => nl + 1,
                None => break,
            },
            _ => break,
        };
        at += skip;
        line += 1;
    }
    line
}

impl Table {
    /// Reads and checks a whole file; `hint` is appended to a "file not found" error.
    pub(crate) fn read(path: &Path, format: &Format, hint: &str) -> Result<Table, DataError> {
        let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e, hint))?;
        Self::parse(path, &bytes, format)
    }

    /// Parses `bytes` as if read from `path`.
    pub(crate) fn parse(path: &Path, bytes: &[u8], format: &Format) -> Result<Table, DataError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(format.delimiter)
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .comment(format.comment)
            .from_reader(bytes);
        let csv_err = |e: csv::Error| {
            let line = e.position().map_or(0, |p| p.line());
            DataError::at_line(path, line, format!("unreadable CSV: {e}"))
        };
        let mut records = reader.records();
        let (header, header_line) = match &format.names {
            Some(names) => (names.clone(), 0),
            None => match records.next() {
                Some(r) => {
                    let r = r.map_err(csv_err)?;
                    let line = start_line(bytes, &r, format.comment);
                    (r.iter().map(str::to_string).collect(), line)
                }
                None => {
                    return Err(DataError::at_line(
                        path,
                        1,
                        "empty file: a header row is required",
                    ))
                }
            },
        };
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        for r in records {
            let r = r.map_err(csv_err)?;
            if r.len() == 1 && r[0].is_empty() {
                // A line of only spaces: as blank as an empty line, which the reader skips.
                continue;
            }
            let line = start_line(bytes, &r, format.comment);
            if r.len() != header.len() {
                return Err(DataError::at_line(
                    path,
                    line,
                    format!("expected {} fields, found {}", header.len(), r.len()),
                ));
            }
            rows.push(r);
            lines.push(line);
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
            lines,
            header_line,
        })
    }

    /// Index of the column called `name`. Every lookup by name (label, id, owner, group,
    /// categorical and feature columns) goes through here, so a name that the header holds
    /// twice is an error naming both positions rather than a silent pick of the first.
    pub(crate) fn column(&self, name: &str) -> Result<usize, DataError> {
        let at: Vec<usize> = (0..self.header.len())
            .filter(|&i| self.header[i] == name)
            .collect();
        let line = self.header_line.max(1);
        match at[..] {
            [i] => Ok(i),
            [] => Err(DataError::at_line(
                &self.path,
                line,
                format!(
                    "no column `{name}`; columns are: {}",
                    self.header.join(", ")
                ),
            )),
            _ => {
                let positions: Vec<String> = at.iter().map(|i| (i + 1).to_string()).collect();
                Err(DataError::at_line(
                    &self.path,
                    line,
                    format!(
                        "column name `{name}` is repeated in the header, at positions {} \
                         (1-based); rename all but one",
                        positions.join(" and ")
                    ),
                ))
            }
        }
    }

    /// Renames every repeat of a header name `name.1`, `name.2`, … as pandas' `read_csv`
    /// does, for published files whose analyses were written against that naming (COMPAS
    /// repeats `decile_score` and `priors_count`). The first occurrence keeps its name.
    pub(crate) fn suffix_repeated_names(&mut self) {
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for h in &mut self.header {
            let n = seen.entry(h.clone()).or_insert(0);
            if *n > 0 {
                *h = format!("{h}.{n}");
            }
            *n += 1;
        }
    }

    /// The cell at `row`, `col`.
    pub(crate) fn cell(&self, row: usize, col: usize) -> &str {
        &self.rows[row][col]
    }

    /// Keeps the rows for which `keep(table, row)` holds.
    pub(crate) fn retain(&mut self, keep: impl Fn(&Table, usize) -> bool) {
        let kept: Vec<usize> = (0..self.rows.len()).filter(|&i| keep(self, i)).collect();
        self.rows = kept.iter().map(|&i| self.rows[i].clone()).collect();
        self.lines = kept.iter().map(|&i| self.lines[i]).collect();
    }

    /// An error about the cell at `row` of column `col`.
    pub(crate) fn cell_error(&self, row: usize, col: usize, message: impl AsRef<str>) -> DataError {
        DataError::at_cell(&self.path, self.lines[row], &self.header[col], message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, format: &Format) -> Result<Table, DataError> {
        Table::parse(Path::new("t.csv"), text.as_bytes(), format)
    }

    #[test]
    fn reads_quoted_cells_and_tracks_lines() {
        let t = parse("a,b\r\n1,\"x, y\"\r\n\r\n  \n3,z\n", &Format::default()).unwrap();
        assert_eq!(t.header, vec!["a", "b"]);
        assert_eq!(t.cell(0, 1), "x, y");
        assert_eq!(t.lines, vec![2, 5]);
        assert_eq!(t.column("b").unwrap(), 1);
        let err = t.column("c").unwrap_err().to_string();
        assert_eq!(err, "t.csv:1: no column `c`; columns are: a, b");
    }

    #[test]
    fn a_repeated_header_name_is_an_error_naming_both_positions() {
        let t = parse("x,x,label\n1,2,a\n", &Format::default()).unwrap();
        let err = t.column("x").unwrap_err().to_string();
        assert_eq!(
            err,
            "t.csv:1: column name `x` is repeated in the header, at positions 1 and 2 (1-based); rename all but one"
        );
        assert_eq!(t.column("label").unwrap(), 2);
    }

    #[test]
    fn repeats_can_be_suffixed_as_pandas_does() {
        let mut t = parse("a,b,a,a\n1,2,3,4\n", &Format::default()).unwrap();
        t.suffix_repeated_names();
        assert_eq!(t.header, vec!["a", "b", "a.1", "a.2"]);
        assert_eq!(t.column("a").unwrap(), 0);
    }

    #[test]
    fn wrong_column_count_names_line() {
        let err = parse("a,b,c\n1,2,3\n4,5\n", &Format::default()).unwrap_err();
        assert_eq!(err.to_string(), "t.csv:3: expected 3 fields, found 2");
    }

    #[test]
    fn comments_and_given_names() {
        let format = Format {
            names: Some(vec!["x".into(), "y".into()]),
            comment: Some(b'|'),
            ..Format::default()
        };
        let t = parse("|1x3 junk\n1, 2\n\n|x\n3, 4.\n\n", &format).unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.cell(1, 1), "4.");
        assert_eq!(t.lines, vec![2, 5]);
    }

    #[test]
    fn empty_and_invalid_utf8() {
        let err = parse("", &Format::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv:1: empty file: a header row is required"
        );
        let err = Table::parse(Path::new("t.csv"), b"a\n\xff\n", &Format::default()).unwrap_err();
        assert!(
            err.to_string().starts_with("t.csv:2: unreadable CSV"),
            "{err}"
        );
    }
}
