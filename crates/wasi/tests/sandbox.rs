//! Sandbox escapes, end to end: `tests/wasi/src/sandbox_probe.c` tries
//! every way out of its preopened directory we know of (`..`, absolute
//! paths, symlinks planted by the host, symlinks it makes itself, links,
//! renames, directory descriptors it opens) and each attempt must fail
//! with an errno while everything outside stays untouched.

mod common;

use common::{Scratch, run};
use egret_wasi::WasiCtxBuilder;
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::Path;

/// Everything below `root` (symlinks not followed): path to (kind,
/// contents or link target, modification time).
fn snapshot(root: &Path) -> BTreeMap<String, (char, Vec<u8>, i64)> {
    let mut found = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let (kind, data) = if meta.file_type().is_symlink() {
                (
                    'l',
                    std::fs::read_link(&path)
                        .unwrap()
                        .into_os_string()
                        .into_encoded_bytes(),
                )
            } else if meta.is_dir() {
                pending.push(path.clone());
                ('d', Vec::new())
            } else {
                ('f', std::fs::read(&path).unwrap())
            };
            let name = path.strip_prefix(root).unwrap().display().to_string();
            found.insert(
                name,
                (kind, data, meta.mtime_nsec() + meta.mtime() * 1_000_000_000),
            );
        }
    }
    found
}

#[test]
fn every_escape_attempt_fails_and_the_outside_is_untouched() {
    let scratch = Scratch::new("sandbox");
    let root = scratch.path();
    let outside = root.join("outside.txt");
    std::fs::write(&outside, "secret\n").unwrap();
    std::fs::create_dir(root.join("outside")).unwrap();
    std::fs::write(root.join("outside/x"), "outside x\n").unwrap();
    let sandbox = root.join("sandbox");
    std::fs::create_dir_all(sandbox.join("sub")).unwrap();
    std::fs::write(sandbox.join("inside.txt"), "inside\n").unwrap();
    symlink("../outside.txt", sandbox.join("host_rel")).unwrap();
    symlink(&outside, sandbox.join("host_abs")).unwrap();
    symlink("../outside", sandbox.join("host_dir")).unwrap();
    symlink("../../outside.txt", sandbox.join("sub/deep")).unwrap();
    let before = snapshot(root);

    let out = run(
        "sandbox_probe",
        WasiCtxBuilder::new()
            .args(["sandbox_probe", outside.to_str().unwrap()])
            .preopen_dir(&sandbox, "/sandbox"),
    );
    println!("{}", out.stdout);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.ends_with("escapes: 0\n"));

    let results: BTreeMap<&str, &str> = out
        .stdout
        .lines()
        .filter_map(|l| l.split_once(": "))
        .collect();
    let attempts: Vec<_> = results
        .iter()
        .filter(|(_, r)| r.starts_with("blocked") || **r == "ESCAPED")
        .collect();
    assert_eq!(attempts.len(), 49, "every attempt of the probe reported");
    for (name, result) in &attempts {
        assert!(result.starts_with("blocked "), "{name}: {result}");
    }
    // The errnos: leaving the sandbox is ENOTCAPABLE (76); a loop is
    // ELOOP (32); a symlink opened without following is ELOOP too.
    let not_capable = [
        "open ..",
        "open ../outside.txt",
        "open sub/../../outside.txt",
        "open /etc/passwd",
        "open absolute outside path",
        "open host_rel",
        "open host_abs",
        "open host_dir/x",
        "open sub/deep",
        "truncate host_abs",
        "create through host_dir",
        "mkdir through host_dir",
        "symlink absolute",
        "open guest_rel",
        "open guest_up/../outside.txt",
        "open guest_up2",
        "open sub/up3/etc/passwd",
        "link host_rel followed",
        "rename sub to ../sub",
        "open .. from sub fd",
        "open .. from opened .",
        "fopen /sandbox/../outside.txt",
    ];
    for name in not_capable {
        assert_eq!(results.get(name), Some(&"blocked 76"), "{name}");
    }
    assert_eq!(results["open symlink loop"], "blocked 32");
    assert_eq!(results["open host_rel nofollow"], "blocked 32");
    // Symlinks the guest may make (relative ones) it made.
    assert_eq!(results["symlink guest_rel -> ../outside.txt"], "created");
    assert_eq!(results["open inside.txt"], "ok");
    assert_eq!(results["open sub/../inside.txt"], "ok");

    let after = snapshot(root);
    let outside_only = |s: &BTreeMap<String, _>| -> Vec<String> {
        s.keys()
            .filter(|k| !k.starts_with("sandbox"))
            .cloned()
            .collect()
    };
    assert_eq!(
        outside_only(&after),
        outside_only(&before),
        "nothing appeared or vanished outside"
    );
    // Outside, nothing changed at all (a directory's mtime would show a
    // new or removed entry); inside, the files and planted links are as
    // they were (the guest may add entries to its own directories).
    for (name, entry) in &before {
        let guest_dir = name.starts_with("sandbox") && entry.0 == 'd';
        if guest_dir {
            assert!(after.contains_key(name), "{name} vanished");
        } else {
            assert_eq!(after.get(name), Some(entry), "{name} changed");
        }
    }
    let stolen: Vec<_> = after
        .keys()
        .filter(|k| k.contains("stolen") || k.contains("moved"))
        .collect();
    assert!(stolen.is_empty(), "{stolen:?}");
}
