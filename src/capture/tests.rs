use super::*;

/// A little-endian microsecond pcap with the given packets.
fn pcap_le(link: u32, packets: &[&[u8]]) -> Vec<u8> {
    let mut v = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0];
    v.extend_from_slice(&link.to_le_bytes());
    for (i, p) in packets.iter().enumerate() {
        v.extend_from_slice(&(1_700_000_000u32 + i as u32).to_le_bytes());
        v.extend_from_slice(&123_456u32.to_le_bytes());
        v.extend_from_slice(&(p.len() as u32).to_le_bytes());
        v.extend_from_slice(&(p.len() as u32).to_le_bytes());
        v.extend_from_slice(p);
    }
    v
}

/// The same file with every header field byte-swapped: a big-endian pcap.
fn to_big_endian(le: &[u8]) -> Vec<u8> {
    let mut v = le.to_vec();
    for (off, n) in [(0, 4), (4, 2), (6, 2), (8, 4), (12, 4), (16, 4), (20, 4)] {
        v[off..off + n].reverse();
    }
    let mut pos = 24;
    while pos + 16 <= v.len() {
        for k in 0..4 {
            v[pos + 4 * k..pos + 4 * k + 4].reverse();
        }
        let len = u32::from_be_bytes([v[pos + 8], v[pos + 9], v[pos + 10], v[pos + 11]]) as usize;
        pos += 16 + len;
    }
    v
}

/// What a test that reads a capture returns: an error fails it.
type Outcome = Result<(), Box<dyn std::error::Error>>;

#[test]
fn both_byte_orders_give_the_same_frames() -> Outcome {
    let le = pcap_le(101, &[b"abc", b"defgh"]);
    let be = to_big_endian(&le);
    for data in [&le, &be] {
        let r = FrameReader::new(data, "t")?;
        let frames: Vec<Frame> = r.collect();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1].number, 2);
        assert_eq!(frames[1].data, b"defgh");
        assert_eq!(frames[0].ts.secs, 1_700_000_000);
        assert_eq!(frames[0].ts.nanos, 123_456_000);
        assert_eq!(frames[0].link_type, 101);
    }
    Ok(())
}

#[test]
fn lying_record_length_stops_with_a_message() -> Outcome {
    let mut v = pcap_le(1, &[b"abc"]);
    v[32..36].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let mut r = FrameReader::new(&v, "t")?;
    assert!(r.next().is_none());
    assert!(r.damage.as_deref().unwrap_or("").contains("byte 24"));
    Ok(())
}

/// A little-endian pcapng block.
fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let mut b = body.to_vec();
    while !b.len().is_multiple_of(4) {
        b.push(0);
    }
    let len = (b.len() + 12) as u32;
    let mut v = kind.to_le_bytes().to_vec();
    v.extend_from_slice(&len.to_le_bytes());
    v.extend_from_slice(&b);
    v.extend_from_slice(&len.to_le_bytes());
    v
}

#[test]
fn pcapng_interfaces_with_different_link_types_and_simple_packets() -> Outcome {
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    let idb = |lt: u16| {
        let mut b = lt.to_le_bytes().to_vec();
        b.extend_from_slice(&[0, 0, 0, 0, 4, 0]);
        b
    };
    let mut epb = 1u32.to_le_bytes().to_vec(); // interface 1
    epb.extend_from_slice(&0u32.to_le_bytes());
    epb.extend_from_slice(&1_000_000u32.to_le_bytes()); // 1 s in microseconds
    epb.extend_from_slice(&3u32.to_le_bytes());
    epb.extend_from_slice(&3u32.to_le_bytes());
    epb.extend_from_slice(b"abc");
    let mut spb = 5u32.to_le_bytes().to_vec();
    spb.extend_from_slice(b"hello");
    let mut file = block(0x0a0d_0d0a, &shb);
    file.extend(block(1, &idb(1)));
    file.extend(block(1, &idb(276)));
    file.extend(block(5, &[0; 8])); // interface statistics: skipped, not a frame
    file.extend(block(6, &epb));
    file.extend(block(3, &spb));
    let mut r = FrameReader::new(&file, "t")?;
    let frames: Vec<Frame> = r.by_ref().collect();
    assert!(r.damage.is_none(), "{:?}", r.damage);
    assert_eq!(frames.len(), 2);
    assert_eq!(
        (frames[0].number, frames[0].link_type, frames[0].data),
        (1, 276, &b"abc"[..])
    );
    assert_eq!(frames[0].ts.secs, 1);
    // A simple packet block belongs to the first interface.
    assert_eq!(
        (frames[1].number, frames[1].link_type, frames[1].data),
        (2, 1, &b"hello"[..])
    );
    assert_eq!(r.link_types, vec![1, 276]);
    Ok(())
}

#[test]
fn interfaces_past_the_limit_are_counted_with_their_packets() -> Outcome {
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    let idb = block(1, &[1, 0, 0, 0, 0, 0, 4, 0]);
    let epb = |iface: u32| {
        let mut b = iface.to_le_bytes().to_vec();
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(b"abc");
        block(6, &b)
    };
    let mut file = block(0x0a0d_0d0a, &shb);
    for _ in 0..MAX_INTERFACES + 2 {
        file.extend_from_slice(&idb);
    }
    file.extend(epb(MAX_INTERFACES as u32 + 1));
    file.extend(epb(7));
    file.extend(epb(MAX_INTERFACES as u32 + 5)); // no interface block at all
    let mut r = FrameReader::new(&file, "t")?;
    let frames: Vec<Frame> = r.by_ref().collect();
    assert_eq!(frames.iter().map(|f| f.number).collect::<Vec<_>>(), vec![2]);
    assert_eq!((r.interfaces_over_limit, r.packets_over_interface_limit), (2, 1));
    assert!(
        r.notes.iter().any(|n| n.contains("no interface block describes")),
        "{:?}",
        r.notes
    );
    Ok(())
}

#[test]
fn not_a_capture() {
    assert!(matches!(
        FrameReader::new(b"GET / HTTP/1.1\r\n", "t"),
        Err(CaptureError::NotACapture { .. })
    ));
    assert!(matches!(FrameReader::new(b"", "t"), Err(CaptureError::Empty { .. })));
}

#[test]
fn pages_given_back_read_the_same_bytes_again() -> Outcome {
    use std::io::{Seek, SeekFrom, Write};
    // A sparse file of 200 MiB: no disk is used, and the pages that are
    // given back lie well inside it.
    let mut f = tempfile::NamedTempFile::new()?;
    let len = 200u64 << 20;
    f.as_file().set_len(len)?;
    let marks = [(0u64, b"pcap"), (1 << 20, b"one!"), (150 << 20, b"late")];
    for (at, m) in marks {
        f.seek(SeekFrom::Start(at))?;
        f.write_all(m)?;
    }
    f.flush()?;
    let cf = CaptureFile::open(f.path())?;
    let data = cf.whole().ok_or("a file on disk is mapped whole")?;
    assert_eq!(data.len() as u64, len);
    let mut pages = cf.pages().ok_or("a file on disk is mapped")?;
    pages.populate(0);
    pages.populate(100 << 20);
    assert_eq!(pages.populated, (164 << 20).min(len as usize));
    assert!(!pages.populate_step(100 << 20), "nothing left to map so far ahead");
    assert!(pages.populate_step(101 << 20), "one step more");
    assert_eq!(pages.populated, 165 << 20, "a step stops 64 MiB ahead");
    pages.release(len as usize);
    assert_eq!(pages.released, 128 << 20, "only whole steps, well behind");
    pages.release(1 << 20);
    assert_eq!(pages.released, 128 << 20, "never backwards");
    for (at, m) in marks {
        assert_eq!(&data[at as usize..at as usize + 4], m);
    }
    assert!(CaptureFile::from_bytes("mem", vec![0; 64])?.pages().is_none());
    Ok(())
}
