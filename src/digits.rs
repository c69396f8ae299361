//! Decimal numbers written straight onto a string, as `{:0width$}` writes
//! them, without a formatter: a report's times, addresses and sizes
//! (`format!` and `Display` were a tenth of building a report).

/// `v` in at least `width` digits, zero-padded (`format!("{v:0width$}")`).
pub fn push(out: &mut String, v: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut n = 0;
    let mut v = v;
    for d in digits.iter_mut() {
        *d = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for _ in n..width {
        out.push('0');
    }
    for d in digits[..n].iter().rev() {
        out.push(char::from(*d));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn as_format_writes_them() {
        for v in [
            0,
            1,
            9,
            10,
            99,
            100,
            65_535,
            999_999,
            1_000_000,
            999_999_999,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            for width in [0, 1, 2, 4, 6, 9, 25] {
                let mut s = String::from("x");
                super::push(&mut s, v, width);
                assert_eq!(s, format!("x{v:0width$}"));
            }
        }
    }
}
