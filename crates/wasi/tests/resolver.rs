//! The sandbox's path resolver on its own (no wasm): where paths lead,
//! and that `..`, absolute paths and symlinks never lead out of the
//! starting directory.

mod common;

use common::Scratch;
use egret_wasi::Errno;
use egret_wasi::path::{MAX_SYMLINK_EXPANSIONS, resolve};
use std::fs::File;
use std::os::unix::fs::{MetadataExt, symlink};

/// A scratch tree:
/// ```text
/// outside.txt
/// root/
///   file.txt
///   a/b/c.txt
///   a/up -> ..
///   link_ab -> a/b
///   link_file -> file.txt
///   dangling -> new.txt
///   abs -> /<scratch>/outside.txt
///   escape -> ../outside.txt
///   sneaky -> a/../..
///   self -> self
/// ```
struct Tree {
    scratch: Scratch,
    root: File,
    // Tests take turns, so counting open descriptors sees only one test.
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Tree {
    fn new() -> Tree {
        let turn = common::exclusive();
        let scratch = Scratch::new("resolver");
        let base = scratch.path();
        std::fs::write(base.join("outside.txt"), "outside").unwrap();
        let root = base.join("root");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("file.txt"), "file").unwrap();
        std::fs::write(root.join("a/b/c.txt"), "c").unwrap();
        symlink("..", root.join("a/up")).unwrap();
        symlink("a/b", root.join("link_ab")).unwrap();
        symlink("file.txt", root.join("link_file")).unwrap();
        symlink("new.txt", root.join("dangling")).unwrap();
        symlink(base.join("outside.txt"), root.join("abs")).unwrap();
        symlink("../outside.txt", root.join("escape")).unwrap();
        symlink("a/../..", root.join("sneaky")).unwrap();
        symlink("self", root.join("self")).unwrap();
        let root = File::open(&root).unwrap();
        Tree {
            scratch,
            root,
            _turn: turn,
        }
    }

    fn path(&self, rel: &str) -> std::path::PathBuf {
        self.scratch.path().join("root").join(rel)
    }

    /// Resolves `path` and returns (the resolved directory relative to the
    /// root, the final name).
    fn resolve(&self, path: &str, follow: bool) -> Result<(String, String), Errno> {
        let resolved = resolve(&self.root, path, follow)?;
        let st = rustix::fs::fstat(resolved.dir()).unwrap();
        let dir = ["", "a", "a/b"]
            .into_iter()
            .find(|d| std::fs::metadata(self.path(d)).unwrap().ino() == st.st_ino)
            .expect("the resolved directory is inside the root");
        Ok((
            dir.to_string(),
            resolved.name().to_str().unwrap().to_string(),
        ))
    }
}

fn at(dir: &str, name: &str) -> Result<(String, String), Errno> {
    Ok((dir.to_string(), name.to_string()))
}

#[test]
fn plain_paths() {
    let t = Tree::new();
    assert_eq!(t.resolve("file.txt", false), at("", "file.txt"));
    assert_eq!(t.resolve("a/b/c.txt", false), at("a/b", "c.txt"));
    assert_eq!(t.resolve("a//b///c.txt", false), at("a/b", "c.txt"));
    assert_eq!(t.resolve("./a/./b/./c.txt", false), at("a/b", "c.txt"));
    assert_eq!(t.resolve("a/b/missing", false), at("a/b", "missing"));
}

#[test]
fn dot_and_dot_dot_inside() {
    let t = Tree::new();
    assert_eq!(t.resolve(".", false), at("", "."));
    assert_eq!(t.resolve("a/..", false), at("", "."));
    assert_eq!(t.resolve("a/b/..", false), at("a", "."));
    assert_eq!(t.resolve("a/b/../b/c.txt", false), at("a/b", "c.txt"));
    assert_eq!(t.resolve("a/b/../../file.txt", false), at("", "file.txt"));
}

#[test]
fn dot_dot_out_of_the_root_is_refused() {
    let t = Tree::new();
    for path in [
        "..",
        "../outside.txt",
        "a/../..",
        "a/b/../../../outside.txt",
        "./..",
        "a/b/../../..",
        "../root/file.txt",
    ] {
        assert_eq!(t.resolve(path, false), Err(Errno::NotCapable), "{path}");
        assert_eq!(t.resolve(path, true), Err(Errno::NotCapable), "{path}");
    }
}

#[test]
fn absolute_paths_are_refused() {
    let t = Tree::new();
    let outside = t.scratch.path().join("outside.txt");
    for path in ["/", "/etc/passwd", "//file.txt", outside.to_str().unwrap()] {
        assert_eq!(t.resolve(path, false), Err(Errno::NotCapable), "{path}");
    }
}

#[test]
fn malformed_paths() {
    let t = Tree::new();
    assert_eq!(t.resolve("", false), Err(Errno::NoEnt));
    assert_eq!(t.resolve("file\0.txt", false), Err(Errno::Inval));
    assert_eq!(t.resolve("file.txt/x", false), Err(Errno::NotDir));
    assert_eq!(t.resolve("missing/x", false), Err(Errno::NoEnt));
}

#[test]
fn symlinks_in_the_middle_are_followed_inside() {
    let t = Tree::new();
    assert_eq!(t.resolve("link_ab/c.txt", false), at("a/b", "c.txt"));
    assert_eq!(
        t.resolve("link_ab/../b/c.txt", false),
        at("a/b", "c.txt"),
        "`..` after a symlink is the target's parent"
    );
    assert_eq!(t.resolve("a/up/file.txt", false), at("", "file.txt"));
    assert_eq!(t.resolve("a/up/a/up/a/b", false), at("a", "b"));
    assert_eq!(t.resolve("dangling/x", false), Err(Errno::NoEnt));
    assert_eq!(t.resolve("link_file/x", false), Err(Errno::NotDir));
}

#[test]
fn the_last_symlink_is_followed_only_when_asked() {
    let t = Tree::new();
    assert_eq!(t.resolve("link_file", false), at("", "link_file"));
    assert_eq!(t.resolve("link_file", true), at("", "file.txt"));
    assert_eq!(t.resolve("link_ab", true), at("a", "b"));
    assert_eq!(t.resolve("a/up", true), at("", "."));
    // A dangling symlink leads to where its target would be (O_CREAT).
    assert_eq!(t.resolve("dangling", true), at("", "new.txt"));
    // Escaping links are harmless until followed.
    assert_eq!(t.resolve("escape", false), at("", "escape"));
    assert_eq!(t.resolve("abs", false), at("", "abs"));
}

#[test]
fn symlinks_out_of_the_root_are_refused() {
    let t = Tree::new();
    for path in [
        "escape",
        "abs",
        "sneaky",
        "sneaky/outside.txt",
        "a/up/escape",
        "link_ab/../../escape",
    ] {
        assert_eq!(t.resolve(path, true), Err(Errno::NotCapable), "{path}");
    }
    for path in ["abs/x", "escape/x", "sneaky/root/file.txt", "a/up/up/x"] {
        let expected = if path == "a/up/up/x" {
            Errno::NoEnt
        } else {
            Errno::NotCapable
        };
        assert_eq!(t.resolve(path, false), Err(expected), "{path}");
    }
}

#[test]
fn symlink_loops_stop_with_eloop() {
    let t = Tree::new();
    assert_eq!(t.resolve("self", true), Err(Errno::Loop));
    assert_eq!(t.resolve("self/x", false), Err(Errno::Loop));
    assert_eq!(t.resolve("self", false), at("", "self"));
}

#[test]
fn symlink_chains_up_to_the_limit_resolve() {
    let t = Tree::new();
    // chain_0 -> chain_1 -> ... -> chain_N -> file.txt: N + 1 expansions.
    let n = MAX_SYMLINK_EXPANSIONS;
    for i in 0..n {
        symlink(format!("chain_{}", i + 1), t.path(&format!("chain_{i}"))).unwrap();
    }
    symlink("file.txt", t.path(&format!("chain_{n}"))).unwrap();
    assert_eq!(
        t.resolve("chain_1", true),
        at("", "file.txt"),
        "{n} expansions are allowed"
    );
    assert_eq!(
        t.resolve("chain_0", true),
        Err(Errno::Loop),
        "{} are not",
        n + 1
    );
}

#[test]
fn a_trailing_slash_needs_a_directory() {
    let t = Tree::new();
    assert_eq!(t.resolve("a/", false), at("", "a"));
    assert_eq!(t.resolve("new_dir/", false), at("", "new_dir"));
    assert_eq!(t.resolve("file.txt/", false), Err(Errno::NotDir));
    assert_eq!(
        t.resolve("link_ab/", false),
        at("a", "b"),
        "a trailing slash follows the symlink"
    );
    assert_eq!(t.resolve("link_file/", false), Err(Errno::NotDir));
    assert_eq!(t.resolve("escape/", false), Err(Errno::NotCapable));
}

#[test]
fn a_subdirectory_is_a_root_of_its_own() {
    let t = Tree::new();
    let a = File::open(t.path("a")).unwrap();
    assert!(resolve(&a, "b/c.txt", false).is_ok());
    assert_eq!(resolve(&a, "..", false).err(), Some(Errno::NotCapable));
    assert_eq!(resolve(&a, "up", true).err(), Some(Errno::NotCapable));
    assert_eq!(
        resolve(&a, "up/file.txt", false).err(),
        Some(Errno::NotCapable)
    );
}

#[test]
fn resolving_leaks_no_descriptors() {
    let t = Tree::new();
    let open_fds = common::open_fd_count;
    let before = open_fds();
    for _ in 0..200 {
        let _ = t.resolve("link_ab/../b/c.txt", true);
        let _ = t.resolve("a/b/../../../x", false);
        let _ = t.resolve("self", true);
    }
    assert_eq!(open_fds(), before);
}

#[test]
fn deep_paths_resolve() {
    let t = Tree::new();
    let deep = format!("a{}/b/c.txt", "/b/..".repeat(300));
    assert_eq!(t.resolve(&deep, false), at("a/b", "c.txt"));
}
