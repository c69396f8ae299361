//! The Debian package (`scripts/package.sh`, cargo-deb): built from the
//! tested binary, extracted with `dpkg-deb -x` into a temporary directory,
//! and the packaged binary run on a sample; its man page and completions
//! are where Debian looks for them. Needs cargo-deb and dpkg-deb
//! (`scripts/install-tools.sh test` installs cargo-deb).

mod common;
use common::top;

#[test]
fn the_debian_package_installs_a_binary_that_reports_a_sample() {
    assert!(
        std::process::Command::new("dpkg-deb").arg("--version").output().is_ok(),
        "dpkg-deb is missing"
    );
    let dir = common::scratch("package");
    let out = std::process::Command::new(top().join("scripts/package.sh"))
        .arg("--no-build")
        .env("OUT_DIR", dir.join("deb"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scripts/package.sh failed (scripts/install-tools.sh test installs cargo-deb): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deb = String::from_utf8(out.stdout).unwrap();
    let deb = deb.lines().rfind(|l| l.ends_with(".deb")).expect("the package's path");
    let info = std::process::Command::new("dpkg-deb")
        .args(["-f", deb, "Package", "Version"])
        .output()
        .unwrap();
    let info = String::from_utf8(info.stdout).unwrap();
    assert!(info.contains("Package: pcap-tls-audit"), "{info}");
    assert!(
        info.contains(&format!("Version: {}", env!("CARGO_PKG_VERSION"))),
        "{info}"
    );
    let root = dir.join("root");
    let x = std::process::Command::new("dpkg-deb")
        .args(["-x", deb])
        .arg(&root)
        .status()
        .unwrap();
    assert!(x.success());
    for f in [
        "usr/share/man/man1/pcap-tls-audit.1.gz",
        "usr/share/bash-completion/completions/pcap-tls-audit",
        "usr/share/zsh/vendor-completions/_pcap-tls-audit",
        "usr/share/fish/vendor_completions.d/pcap-tls-audit.fish",
        "usr/share/doc/pcap-tls-audit/README.md",
        "usr/share/doc/pcap-tls-audit/LICENSE",
    ] {
        assert!(root.join(f).is_file(), "{f} is in the package");
    }
    let run = std::process::Command::new(root.join("usr/bin/pcap-tls-audit"))
        .arg(top().join("samples/java-pkix-tls12.pcap"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(text.contains("certificate_rejected_by_client"), "{text}");
}
