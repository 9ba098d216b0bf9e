//! The byte codec every signed format shares: big-endian integers, fixed arrays and short
//! length-prefixed strings. The reader refuses to run past the end and refuses trailing bytes,
//! so every structure has exactly one encoding.

use std::fmt;

/// Why bytes could not be read as one of the formats.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The input ended before the structure was complete.
    Truncated,
    /// Bytes were left over after a complete structure.
    TrailingBytes,
    /// The format version byte is not one this build understands.
    UnsupportedVersion(u8),
    /// A field holds a value outside its documented range (the field's name is given).
    InvalidField(&'static str),
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Truncated => f.write_str("data ends too early"),
            WireError::TrailingBytes => f.write_str("unexpected bytes after the end"),
            WireError::UnsupportedVersion(v) => write!(f, "unsupported format version {v}"),
            WireError::InvalidField(name) => write!(f, "invalid value in field `{name}`"),
        }
    }
}

impl std::error::Error for WireError {}

/// Appends fields in wire order.
#[derive(Default)]
pub(crate) struct Writer(Vec<u8>);

impl Writer {
    pub(crate) fn new() -> Self {
        Writer(Vec::with_capacity(256))
    }
    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    pub(crate) fn u16(&mut self, v: u16) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }
    pub(crate) fn u24(&mut self, v: u32) -> &mut Self {
        debug_assert!(v < 1 << 24);
        self.bytes(&v.to_be_bytes()[1..])
    }
    pub(crate) fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }
    pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    /// An unsigned LEB128 varint: 7 bits a byte, least significant group first, high bit set
    /// on every byte but the last; always the shortest form (1 to 10 bytes).
    pub(crate) fn varint(&mut self, mut v: u64) -> &mut Self {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.u8(v as u8)
    }
    /// A string of at most 255 bytes, preceded by its length.
    pub(crate) fn short_str(&mut self, s: &str) -> &mut Self {
        debug_assert!(s.len() <= 255);
        self.u8(s.len() as u8).bytes(s.as_bytes())
    }
    pub(crate) fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

/// Reads fields in wire order from a borrowed buffer.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.remaining() < n {
            return Err(WireError::Truncated);
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    pub(crate) fn u24(&mut self) -> Result<u32, WireError> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }
    pub(crate) fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    /// A varint written by [`Writer::varint`]. Only the shortest form is accepted (no final
    /// `0x00` byte after another byte), and only values that fit 64 bits: anything else is
    /// `InvalidField(field)`, so each value has exactly one encoding.
    pub(crate) fn varint(&mut self, field: &'static str) -> Result<u64, WireError> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.u8()?;
            if i == 9 && b > 1 {
                return Err(WireError::InvalidField(field));
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                if b == 0 && i > 0 {
                    return Err(WireError::InvalidField(field));
                }
                return Ok(v);
            }
        }
        Err(WireError::InvalidField(field))
    }
    pub(crate) fn short_str(&mut self, field: &'static str) -> Result<&'a str, WireError> {
        let len = self.u8()? as usize;
        std::str::from_utf8(self.take(len)?).map_err(|_| WireError::InvalidField(field))
    }
    /// Succeeds only when every byte has been read.
    pub(crate) fn finish(&self) -> Result<(), WireError> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(WireError::TrailingBytes)
        }
    }
}

/// Bytes an ed25519 signature covers: a domain tag that names the structure, a zero byte, then
/// the structure's own bytes. The tag keeps a signature over one kind of structure from ever
/// being accepted as a signature over another.
pub(crate) fn signed_message(tag: &[u8], body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(tag.len() + 1 + body.len());
    m.extend_from_slice(tag);
    m.push(0);
    m.extend_from_slice(body);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(v: u64) -> Vec<u8> {
        let mut w = Writer::new();
        w.varint(v);
        w.into_vec()
    }

    #[test]
    fn varints_round_trip_in_their_shortest_form() {
        for (v, len) in [
            (0u64, 1),
            (1, 1),
            (127, 1),
            (128, 2),
            (16_383, 2),
            (16_384, 3),
            (1 << 49, 8),
            ((1 << 56) - 1, 8),
            (1 << 56, 9),
            (u64::MAX, 10),
        ] {
            let bytes = encode(v);
            assert_eq!(bytes.len(), len, "{v}");
            let mut r = Reader::new(&bytes);
            assert_eq!(r.varint("x"), Ok(v));
            r.finish().unwrap();
        }
        assert_eq!(encode(300), [0xac, 0x02]);
    }

    #[test]
    fn other_varint_forms_are_refused() {
        let refused = |b: &[u8]| Reader::new(b).varint("x");
        // Overlong: 0 and 1 with a needless continuation byte.
        assert_eq!(refused(&[0x80, 0x00]), Err(WireError::InvalidField("x")));
        assert_eq!(
            refused(&[0x81, 0x80, 0x00]),
            Err(WireError::InvalidField("x"))
        );
        // More than 64 bits.
        let mut too_big = vec![0xff; 9];
        too_big.push(0x02);
        assert_eq!(refused(&too_big), Err(WireError::InvalidField("x")));
        assert_eq!(refused(&[0xff; 11]), Err(WireError::InvalidField("x")));
        // Ends inside the varint.
        assert_eq!(refused(&[0x80]), Err(WireError::Truncated));
        assert_eq!(refused(&[]), Err(WireError::Truncated));
    }
}
