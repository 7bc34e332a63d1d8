//! The trace: what a recording saw, one exchange per line, scrubbed, appended as it happens.
//!
//! `trace.jsonl` is the recording's ground truth. Each exchange is written (and flushed) the
//! moment its answer has gone back to the IdP, so a recording stopped by Ctrl-C, a crash or a
//! full disk loses at most the exchange in flight. The transcript and the replay scenario are
//! derived from it (`record --from-trace` derives them again). Every value in it has been
//! through the scrubber before it reaches this module: it holds no credential and no password.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::exchange::{Exchange, RecordedRequest, RecordedResponse};

/// The trace file's name in a recording's directory.
pub const TRACE_FILE: &str = "trace.jsonl";

/// One exchange as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEntry {
    /// When the request arrived, in milliseconds since the recording started.
    pub at_ms: u64,
    pub method: String,
    /// The path and query as the IdP sent them, below the recording's base path (`/Users?…`).
    pub path: String,
    /// The request's header fields in the order received, names as the HTTP stack kept them.
    pub request_headers: Vec<(String, String)>,
    pub request_body: Payload,
    /// `None` when no answer came back (the upstream failed; `error` says how).
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Payload,
    /// Why the upstream gave no answer; the IdP got a 502 with this as its `detail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long the upstream took to answer.
    pub elapsed_ms: u64,
}

/// A body: text when it is UTF-8 (JSON bodies always are), base64 otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payload {
    #[default]
    Empty,
    Text(String),
    Base64(String),
}

impl Payload {
    pub fn of(bytes: &[u8]) -> Payload {
        if bytes.is_empty() {
            return Payload::Empty;
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Payload::Text(text.to_owned()),
            Err(_) => Payload::Base64(base64::engine::general_purpose::STANDARD.encode(bytes)),
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Payload::Empty => Vec::new(),
            Payload::Text(text) => text.as_bytes().to_vec(),
            Payload::Base64(encoded) => base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap_or_default(),
        }
    }
}

impl TraceEntry {
    /// The entry as the runner's exchange record, for the snapshot renderer.
    pub fn to_exchange(&self, base_url: &str) -> Exchange {
        Exchange {
            step: None,
            request: RecordedRequest {
                method: self.method.clone(),
                path: self.path.clone(),
                url: format!("{}{}", base_url.trim_end_matches('/'), self.path),
                headers: self.request_headers.clone(),
                body: self.request_body.bytes(),
            },
            response: self.status.map(|status| RecordedResponse {
                status,
                headers: self
                    .response_headers
                    .iter()
                    .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
                    .collect(),
                body: self.response_body.bytes(),
            }),
            error: self.error.clone(),
            elapsed: Duration::from_millis(self.elapsed_ms),
        }
    }

    /// The first request header with this name, case-insensitively.
    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.request_headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a trace could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}, line {line}: not a trace entry: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Appends entries to a trace file, flushing each.
#[derive(Debug)]
pub struct TraceWriter {
    path: PathBuf,
    file: File,
}

impl TraceWriter {
    /// Creates (or truncates) `path`.
    pub fn create(path: &Path) -> Result<Self, TraceError> {
        let file = File::create(path).map_err(|source| TraceError::Write {
            path: path.to_owned(),
            source,
        })?;
        Ok(TraceWriter {
            path: path.to_owned(),
            file,
        })
    }

    pub fn append(&mut self, entry: &TraceEntry) -> Result<(), TraceError> {
        let mut line = serde_json::to_string(entry).unwrap_or_default();
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.flush())
            .map_err(|source| TraceError::Write {
                path: self.path.clone(),
                source,
            })
    }
}

/// Reads a trace file.
pub fn read(path: &Path) -> Result<Vec<TraceEntry>, TraceError> {
    let file = File::open(path).map_err(|source| TraceError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut entries = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| TraceError::Read {
            path: path.to_owned(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let entry = serde_json::from_str(&line).map_err(|e| TraceError::Parse {
            path: path.to_owned(),
            line: index + 1,
            message: e.to_string(),
        })?;
        entries.push(entry);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_through_the_file_with_text_and_binary_bodies() {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TRACE_FILE);
        let entry = TraceEntry {
            at_ms: 5,
            method: "POST".into(),
            path: "/Users".into(),
            request_headers: vec![("Content-Type".into(), "application/scim+json".into())],
            request_body: Payload::of(br#"{"userName":"ada"}"#),
            status: Some(201),
            response_headers: vec![],
            response_body: Payload::of(&[0xff, 0x00]),
            error: None,
            elapsed_ms: 3,
        };

        // Act
        let mut writer = TraceWriter::create(&path).unwrap();
        writer.append(&entry).unwrap();
        writer.append(&entry).unwrap();
        let read = read(&path).unwrap();

        // Assert
        assert_eq!(read, vec![entry.clone(), entry]);
        assert_eq!(read[0].response_body.bytes(), vec![0xff, 0x00]);
        assert!(matches!(read[0].request_body, Payload::Text(_)));
    }

    #[test]
    fn a_line_that_is_not_an_entry_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TRACE_FILE);
        std::fs::write(&path, "{\"at_ms\":1}\n").unwrap();
        let error = read(&path).unwrap_err().to_string();
        assert!(error.contains("line 1"), "{error}");
    }
}
