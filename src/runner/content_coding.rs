//! Answers in a content coding (RFC 9110 §8.4): decoded before anything judges them.
//!
//! Okta asks every server for `Accept-Encoding: gzip,deflate` (docs/idps/okta.md §2), so a
//! server is entitled to answer it compressed, and a harness that judged the compressed bytes
//! would blame the server for its own missing decoder. Both the general client and the direct
//! connection hand every answer through [`decode`]; the recorded answer keeps its
//! `Content-Encoding` header and shows the decoded body. The decoded size is bounded like any
//! body, so a small compressed answer cannot inflate without limit.

use std::io::Read;

use super::transport::MAX_RESPONSE_BYTES;

/// The body of an answer with these headers, decoded from its content codings (last applied,
/// first undone); the body unchanged without any. An unknown coding, or bytes that are not in
/// the coding the answer names, is an error in words.
pub fn decode(headers: &[(String, String)], body: Vec<u8>) -> Result<Vec<u8>, String> {
    let codings: Vec<String> = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("content-encoding"))
        .flat_map(|(_, value)| value.split(','))
        .map(|coding| coding.trim().to_ascii_lowercase())
        .filter(|coding| !coding.is_empty() && coding != "identity")
        .collect();
    if body.is_empty() {
        return Ok(body);
    }
    let mut body = body;
    for coding in codings.iter().rev() {
        body = match coding.as_str() {
            "gzip" | "x-gzip" => inflate(flate2::read::GzDecoder::new(&body[..]), coding)?,
            // RFC 9110 §8.4.1.2: zlib-wrapped; some servers send the raw stream, which
            // clients have long accepted too.
            "deflate" => inflate(flate2::read::ZlibDecoder::new(&body[..]), coding)
                .or_else(|_| inflate(flate2::read::DeflateDecoder::new(&body[..]), coding))?,
            other => {
                return Err(format!(
                    "the answer is in the content coding `{other}`, which scimulate cannot decode (it asks for none but gzip and deflate)"
                ));
            }
        };
    }
    Ok(body)
}

/// Reads a decoder to the end, within the body limit.
fn inflate(decoder: impl Read, coding: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let limit = MAX_RESPONSE_BYTES as u64 + 1;
    decoder.take(limit).read_to_end(&mut out).map_err(|e| {
        format!("the answer says `Content-Encoding: {coding}` but its body is not {coding}: {e}")
    })?;
    if out.len() > MAX_RESPONSE_BYTES {
        return Err(format!(
            "the answer's body, decoded from {coding}, exceeds {MAX_RESPONSE_BYTES} bytes"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn headers(encoding: &str) -> Vec<(String, String)> {
        vec![("content-encoding".to_owned(), encoding.to_owned())]
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).expect("in memory");
        encoder.finish().expect("in memory")
    }

    #[test]
    fn gzip_and_both_deflate_forms_decode_to_the_json() {
        // Arrange
        let json = br#"{"id":"1"}"#;
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zlib.write_all(json).expect("in memory");
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(json).expect("in memory");

        // Act
        let from_gzip = decode(&headers("gzip"), gzip(json));
        let from_zlib = decode(&headers("deflate"), zlib.finish().expect("in memory"));
        let from_raw = decode(&headers("Deflate"), raw.finish().expect("in memory"));

        // Assert
        assert_eq!(from_gzip.as_deref(), Ok(&json[..]));
        assert_eq!(from_zlib.as_deref(), Ok(&json[..]));
        assert_eq!(from_raw.as_deref(), Ok(&json[..]));
    }

    #[test]
    fn no_coding_leaves_the_body_and_a_false_or_unknown_one_is_named() {
        let plain = b"{}".to_vec();
        assert_eq!(decode(&[], plain.clone()), Ok(plain.clone()));
        assert_eq!(
            decode(&headers("identity"), plain.clone()),
            Ok(plain.clone())
        );
        let lying = decode(&headers("gzip"), plain.clone()).expect_err("not gzip");
        assert!(lying.contains("is not gzip"), "{lying}");
        let unknown = decode(&headers("br"), plain).expect_err("unknown");
        assert!(unknown.contains("`br`"), "{unknown}");
    }

    #[test]
    fn a_body_that_inflates_past_the_limit_is_refused() {
        let bomb = gzip(&vec![b' '; MAX_RESPONSE_BYTES + 10]);
        let refused = decode(&headers("gzip"), bomb).expect_err("over the limit");
        assert!(refused.contains("exceeds"), "{refused}");
    }
}
