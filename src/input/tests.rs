use super::*;
use proptest::prelude::*;
use std::io::Write;
use std::path::Path;

fn spec(path: &Path) -> SourceSpec {
    SourceSpec {
        path: path.to_path_buf(),
        display: path.to_string_lossy().into_owned(),
        host: "h".to_string(),
        is_stdin: false,
        named: true,
    }
}

fn text(lines: usize) -> Vec<u8> {
    (0..lines)
        .map(|i| format!("Nov 20 10:00:{:02} web01 app[{i}]: message {}\n", i % 60, i * 31))
        .collect::<String>()
        .into_bytes()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn plain_file_is_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("app.log");
    let data = text(100);
    std::fs::write(&p, &data).unwrap();
    let opened = open(&spec(&p)).unwrap();
    assert!(matches!(opened.data, Data::Mapped(_)));
    assert_eq!(&opened.data[..], &data[..]);
    assert!(opened.mtime.is_some());
    assert!(opened.warnings.is_empty());
    assert_eq!(opened.data.shrunk(), None);
}

#[test]
fn empty_file_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.log");
    std::fs::write(&p, b"").unwrap();
    let opened = open(&spec(&p)).unwrap();
    assert!(matches!(opened.data, Data::Owned(ref v) if v.is_empty()));
}

#[test]
fn compressed_by_magic_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let data = text(500);
    let gz = dir.path().join("looks-plain.log");
    let mut two_members = gzip(&data[..1000]);
    two_members.extend(gzip(&data[1000..]));
    std::fs::write(&gz, two_members).unwrap();
    let zst = dir.path().join("looks-gzip.gz");
    let mut frames = zstd::encode_all(&data[..777], 3).unwrap();
    frames.extend(zstd::encode_all(&data[777..], 3).unwrap());
    std::fs::write(&zst, frames).unwrap();
    let plain = dir.path().join("plain.gz");
    std::fs::write(&plain, &data).unwrap();
    for p in [&gz, &zst, &plain] {
        let opened = open(&spec(p)).unwrap();
        assert_eq!(&opened.data[..], &data[..], "{}", p.display());
        assert!(opened.warnings.is_empty());
    }
}

#[test]
fn truncated_gzip_keeps_prefix_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("web01.log.2.gz");
    let data = text(50_000);
    let full = gzip(&data);
    std::fs::write(&p, &full[..full.len() * 2 / 3]).unwrap();
    let opened = open(&spec(&p)).unwrap();
    let kept = &opened.data[..];
    assert!(!kept.is_empty() && kept.len() < data.len());
    assert_eq!(kept, &data[..kept.len()]);
    let lines = kept.iter().filter(|&&b| b == b'\n').count() + usize::from(!kept.ends_with(b"\n"));
    assert_eq!(
        opened.warnings,
        [format!(
            "{}: truncated gzip stream after {} bytes ({lines} lines); the rest is lost",
            p.display(),
            kept.len()
        )]
    );
}

#[test]
fn errors_name_path_cause_and_remedy() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("missing.log");
    let e = open(&spec(&p)).unwrap_err().to_string();
    assert_eq!(e, format!("{}: No such file or directory; check the path", p.display()));
    let e = open(&spec(dir.path())).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}: ", dir.path().display())), "{e}");
    assert!(!e.contains('\n'));
    let xz = dir.path().join("a.log");
    std::fs::write(&xz, b"\xfd7zXZ\x00\x00\x04rest").unwrap();
    let e = open(&spec(&xz)).unwrap_err().to_string();
    assert!(e.contains("xz-compressed input is not supported"), "{e}");
}

#[test]
fn fifo_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("pipe");
    // The mkfifo command, not libc::mkfifo: the crate denies unsafe code outside the mapping.
    let made = std::process::Command::new("mkfifo").arg(&p).status().unwrap();
    assert!(made.success());
    let data = gzip(b"from a pipe\n");
    let writer = {
        let p = p.clone();
        std::thread::spawn(move || std::fs::write(p, data).unwrap())
    };
    let opened = open(&spec(&p)).unwrap();
    writer.join().unwrap();
    assert_eq!(&opened.data[..], b"from a pipe\n");
    assert_eq!(opened.data.shrunk(), None);
}

#[test]
fn big_single_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.log");
    let mut data = vec![b'x'; 50 << 20];
    data.push(b'\n');
    data.extend_from_slice(b"tail\n");
    std::fs::write(&p, &data).unwrap();
    let opened = open(&spec(&p)).unwrap();
    assert_eq!(opened.data.len(), data.len());
    let chunks = split_chunks(&opened.data, 1 << 20);
    assert_eq!(chunks, [0..(50 << 20) + 1, (50 << 20) + 1..data.len()]);
}

#[test]
fn split_chunks_edges() {
    assert!(split_chunks(b"", 10).is_empty());
    assert_eq!(split_chunks(b"abc", 10).first(), Some(&(0..3)));
    assert_eq!(split_chunks(b"abc", 10).len(), 1);
    assert_eq!(split_chunks(b"a\nb\nc\n", 1), [0..2, 2..4, 4..6]);
    assert_eq!(split_chunks(b"a\nb\nc", 3), [0..4, 4..5]);
    assert_eq!(split_chunks(b"a\nb\nc", 0), [0..2, 2..4, 4..5]);
}

proptest! {
    #[test]
    fn split_chunks_cover_at_line_ends(
        data in proptest::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..2000),
        target in 0usize..300,
    ) {
        let chunks = split_chunks(&data, target);
        let mut joined = Vec::new();
        let mut next = 0;
        for (i, c) in chunks.iter().enumerate() {
            prop_assert_eq!(c.start, next);
            prop_assert!(c.end > c.start);
            if i + 1 < chunks.len() {
                prop_assert_eq!(data[c.end - 1], b'\n');
                prop_assert!(c.len() >= target);
            }
            joined.extend_from_slice(&data[c.clone()]);
            next = c.end;
        }
        prop_assert_eq!(joined, data);
    }
}
