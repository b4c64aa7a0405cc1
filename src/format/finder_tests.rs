use super::*;

#[test]
fn every_table_layout_reads_its_sample() {
    for (i, (spec, sample)) in LAYOUTS.iter().enumerate() {
        let got = read_at(sample.as_bytes(), 0, How::Table(i as u16));
        assert!(got.is_some_and(|(_, _, e)| e == sample.len()), "{spec}: {sample}");
    }
}
