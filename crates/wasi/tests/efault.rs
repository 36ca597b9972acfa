//! Bad guest pointers: every pointer and length a WASI function takes is
//! checked against the caller's memory, and anything out of bounds gives
//! EFAULT (21) without a host crash, a panic, or any side effect.

mod common;

use common::Scratch;
use egret::{Engine, Func, Instance, Linker, Module, Store, Val, ValType};
use egret_wasi::{WasiCtx, WasiCtxBuilder};

const EFAULT: i32 = 21;

use ValType::{I32, I64};

/// Each function: name, parameter types, and a valid call in the fixture
/// below (as i64s), which pointer parameters and which length parameters
/// it has.
struct Case {
    name: &'static str,
    params: &'static [ValType],
    valid: &'static [i64],
    pointers: &'static [usize],
    lengths: &'static [usize],
}

/// Guest memory (one page) of the fixture module.
const MEMORY: &str = r#"
    (data (i32.const 0x100) "f.txt")
    (data (i32.const 0x110) "link")
    (data (i32.const 0x120) "newlink")
    (data (i32.const 0x130) "renamed.txt")
    (data (i32.const 0x140) "sub")
    ;; iovec {0x1000, 16}, then one pointing out of memory.
    (data (i32.const 0x200) "\00\10\00\00\10\00\00\00")
    (data (i32.const 0x208) "\00\00\ff\ff\10\00\00\00")
    ;; 0x400: an all-zero subscription: realtime clock, timeout 0.
"#;

const RIGHTS: i64 = 0x1fff_ffff;

const CASES: &[Case] = &[
    Case {
        name: "args_get",
        params: &[I32, I32],
        valid: &[0x800, 0x900],
        pointers: &[0, 1],
        lengths: &[],
    },
    Case {
        name: "args_sizes_get",
        params: &[I32, I32],
        valid: &[0x800, 0x804],
        pointers: &[0, 1],
        lengths: &[],
    },
    Case {
        name: "environ_get",
        params: &[I32, I32],
        valid: &[0x800, 0x900],
        pointers: &[0, 1],
        lengths: &[],
    },
    Case {
        name: "environ_sizes_get",
        params: &[I32, I32],
        valid: &[0x800, 0x804],
        pointers: &[0, 1],
        lengths: &[],
    },
    Case {
        name: "clock_res_get",
        params: &[I32, I32],
        valid: &[1, 0x800],
        pointers: &[1],
        lengths: &[],
    },
    Case {
        name: "clock_time_get",
        params: &[I32, I64, I32],
        valid: &[1, 0, 0x800],
        pointers: &[2],
        lengths: &[],
    },
    Case {
        name: "random_get",
        params: &[I32, I32],
        valid: &[0x800, 16],
        pointers: &[0],
        lengths: &[1],
    },
    Case {
        name: "fd_read",
        params: &[I32, I32, I32, I32],
        valid: &[4, 0x200, 1, 0x800],
        pointers: &[1, 3],
        lengths: &[2],
    },
    Case {
        name: "fd_write",
        params: &[I32, I32, I32, I32],
        valid: &[4, 0x200, 1, 0x800],
        pointers: &[1, 3],
        lengths: &[2],
    },
    Case {
        name: "fd_pread",
        params: &[I32, I32, I32, I64, I32],
        valid: &[4, 0x200, 1, 0, 0x800],
        pointers: &[1, 4],
        lengths: &[2],
    },
    Case {
        name: "fd_pwrite",
        params: &[I32, I32, I32, I64, I32],
        valid: &[4, 0x200, 1, 0, 0x800],
        pointers: &[1, 4],
        lengths: &[2],
    },
    Case {
        name: "fd_seek",
        params: &[I32, I64, I32, I32],
        valid: &[4, 0, 0, 0x800],
        pointers: &[3],
        lengths: &[],
    },
    Case {
        name: "fd_tell",
        params: &[I32, I32],
        valid: &[4, 0x800],
        pointers: &[1],
        lengths: &[],
    },
    Case {
        name: "fd_fdstat_get",
        params: &[I32, I32],
        valid: &[4, 0x800],
        pointers: &[1],
        lengths: &[],
    },
    Case {
        name: "fd_filestat_get",
        params: &[I32, I32],
        valid: &[4, 0x800],
        pointers: &[1],
        lengths: &[],
    },
    Case {
        name: "fd_prestat_get",
        params: &[I32, I32],
        valid: &[3, 0x800],
        pointers: &[1],
        lengths: &[],
    },
    Case {
        name: "fd_prestat_dir_name",
        params: &[I32, I32, I32],
        valid: &[3, 0x800, 8],
        pointers: &[1],
        lengths: &[],
    },
    Case {
        name: "fd_readdir",
        params: &[I32, I32, I32, I64, I32],
        valid: &[3, 0x800, 256, 0, 0x7f0],
        pointers: &[1, 4],
        lengths: &[2],
    },
    Case {
        name: "path_create_directory",
        params: &[I32, I32, I32],
        valid: &[3, 0x140, 3],
        pointers: &[1],
        lengths: &[2],
    },
    Case {
        name: "path_filestat_get",
        params: &[I32, I32, I32, I32, I32],
        valid: &[3, 0, 0x100, 5, 0x800],
        pointers: &[2, 4],
        lengths: &[3],
    },
    Case {
        name: "path_filestat_set_times",
        params: &[I32, I32, I32, I32, I64, I64, I32],
        valid: &[3, 0, 0x100, 5, 0, 0, 0],
        pointers: &[2],
        lengths: &[3],
    },
    Case {
        name: "path_open",
        params: &[I32, I32, I32, I32, I32, I64, I64, I32, I32],
        valid: &[3, 0, 0x100, 5, 0, RIGHTS, 0, 0, 0x800],
        pointers: &[2, 8],
        lengths: &[3],
    },
    Case {
        name: "path_readlink",
        params: &[I32, I32, I32, I32, I32, I32],
        valid: &[3, 0x110, 4, 0x800, 64, 0x7f0],
        pointers: &[1, 3, 5],
        lengths: &[2, 4],
    },
    Case {
        name: "path_symlink",
        params: &[I32, I32, I32, I32, I32],
        valid: &[0x100, 5, 3, 0x120, 7],
        pointers: &[0, 3],
        lengths: &[1, 4],
    },
    Case {
        name: "path_unlink_file",
        params: &[I32, I32, I32],
        valid: &[3, 0x120, 7],
        pointers: &[1],
        lengths: &[2],
    },
    Case {
        name: "path_link",
        params: &[I32, I32, I32, I32, I32, I32, I32],
        valid: &[3, 0, 0x100, 5, 3, 0x130, 11],
        pointers: &[2, 5],
        lengths: &[3, 6],
    },
    Case {
        name: "path_rename",
        params: &[I32, I32, I32, I32, I32, I32],
        valid: &[3, 0x130, 11, 3, 0x120, 7],
        pointers: &[1, 4],
        lengths: &[2, 5],
    },
    Case {
        name: "path_remove_directory",
        params: &[I32, I32, I32],
        valid: &[3, 0x140, 3],
        pointers: &[1],
        lengths: &[2],
    },
    Case {
        name: "poll_oneoff",
        params: &[I32, I32, I32, I32],
        valid: &[0x400, 0x800, 1, 0x7f0],
        pointers: &[0, 1, 3],
        lengths: &[2],
    },
];

fn wat_type(t: &ValType) -> &'static str {
    if t.is_i64() { "i64" } else { "i32" }
}

/// A module that imports every function of `CASES` and re-exports it
/// under the same name, with one page of memory.
fn fixture_module() -> String {
    let mut text = String::from("(module\n");
    for case in CASES {
        let params: Vec<_> = case.params.iter().map(wat_type).collect();
        text += &format!(
            "(import \"wasi_snapshot_preview1\" \"{0}\" (func ${0} (param {1}) (result i32)))\n",
            case.name,
            params.join(" ")
        );
    }
    text += "(memory (export \"memory\") 1)\n";
    text += MEMORY;
    for case in CASES {
        let params: Vec<_> = case.params.iter().map(wat_type).collect();
        let gets: Vec<_> = (0..params.len())
            .map(|i| format!("(local.get {i})"))
            .collect();
        text += &format!(
            "(func (export \"{0}\") (param {1}) (result i32) (call ${0} {2}))\n",
            case.name,
            params.join(" "),
            gets.join(" ")
        );
    }
    text + ")"
}

struct Fixture {
    _dir: Scratch,
    store: Store<WasiCtx>,
    instance: Instance,
}

impl Fixture {
    /// The module instantiated with args, env, stdin "hello", a
    /// preopened directory (fd 3) holding `f.txt` and a symlink `link`,
    /// and `f.txt` opened as fd 4.
    fn new() -> Fixture {
        let dir = Scratch::new("efault");
        std::fs::write(dir.path().join("f.txt"), "0123456789abcdef").unwrap();
        std::os::unix::fs::symlink("f.txt", dir.path().join("link")).unwrap();
        let engine = Engine::default();
        let module = Module::new(&engine, fixture_module()).unwrap();
        let mut linker = Linker::new(&engine);
        egret_wasi::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
        let ctx = WasiCtxBuilder::new()
            .args(["prog", "arg"])
            .env("KEY", "value")
            .stdin(std::io::Cursor::new(b"hello".to_vec()))
            .preopen_dir(dir.path(), "/sandbox")
            .build()
            .unwrap();
        let mut store = Store::new(&engine, ctx);
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let mut fixture = Fixture {
            _dir: dir,
            store,
            instance,
        };
        let open = CASES.iter().find(|c| c.name == "path_open").unwrap();
        assert_eq!(fixture.call("path_open", open.params, open.valid), 0);
        assert_eq!(fixture.read_u32(0x800), 4);
        fixture
    }

    fn call(&mut self, name: &str, params: &[ValType], args: &[i64]) -> i32 {
        let func: Func = self.instance.get_func(&mut self.store, name).unwrap();
        let args: Vec<Val> = params
            .iter()
            .zip(args)
            .map(|(t, v)| {
                if t.is_i64() {
                    Val::I64(*v)
                } else {
                    Val::I32(*v as i32)
                }
            })
            .collect();
        let mut result = [Val::I32(-1)];
        func.call(&mut self.store, &args, &mut result).unwrap();
        result[0].i32().unwrap()
    }

    fn memory(&mut self) -> &mut [u8] {
        let memory = self.instance.get_memory(&mut self.store, "memory").unwrap();
        memory.data_mut(&mut self.store)
    }

    fn read_u32(&mut self, at: usize) -> u32 {
        u32::from_le_bytes(self.memory()[at..at + 4].try_into().unwrap())
    }
}

/// Out-of-bounds pointers: past the end, straddling the end, and the
/// top of the address space.
const BAD_POINTERS: [i64; 3] = [0x1_0000, 0xfffe, 0xffff_fff0];

#[test]
fn every_bad_pointer_and_length_is_efault() {
    let mut f = Fixture::new();
    for case in CASES {
        for &index in case.pointers {
            for bad in BAD_POINTERS {
                let mut args = case.valid.to_vec();
                args[index] = bad;
                let errno = f.call(case.name, case.params, &args);
                assert_eq!(
                    errno, EFAULT,
                    "{} with argument {index} = {bad:#x}",
                    case.name
                );
            }
        }
        for &index in case.lengths {
            let mut args = case.valid.to_vec();
            args[index] = 0xffff_ffff;
            let errno = f.call(case.name, case.params, &args);
            assert_eq!(
                errno, EFAULT,
                "{} with length argument {index} = 0xffffffff",
                case.name
            );
        }
    }
    // And the valid calls work (after the bad ones, which changed nothing:
    // `path_symlink` still creates `newlink`, `path_rename` still finds
    // `renamed.txt` from `path_link`, ...).
    for case in CASES {
        let errno = f.call(case.name, case.params, case.valid);
        assert_eq!(errno, 0, "{} with valid arguments", case.name);
    }
}

#[test]
fn iovecs_pointing_out_of_memory_are_efault() {
    let mut f = Fixture::new();
    for name in ["fd_read", "fd_write", "fd_pread", "fd_pwrite"] {
        let case = CASES.iter().find(|c| c.name == name).unwrap();
        let mut args = case.valid.to_vec();
        args[1] = 0x208;
        assert_eq!(f.call(name, case.params, &args), EFAULT, "{name}");
        args[1] = 0x200;
        args[2] = 2; // the good iovec, then the bad one
        assert_eq!(
            f.call(name, case.params, &args),
            EFAULT,
            "{name} with a bad second iovec"
        );
    }
    // Nothing was written to or read from the file on the way.
    let tell = CASES.iter().find(|c| c.name == "fd_tell").unwrap();
    assert_eq!(f.call("fd_tell", tell.params, tell.valid), 0);
    assert_eq!(f.read_u32(0x800), 0);
}

#[test]
fn a_bad_result_pointer_consumes_no_input() {
    let mut f = Fixture::new();
    let read = CASES.iter().find(|c| c.name == "fd_read").unwrap();
    assert_eq!(
        f.call("fd_read", read.params, &[0, 0x200, 1, 0xffff_fff0]),
        EFAULT
    );
    assert_eq!(f.call("fd_read", read.params, &[0, 0x200, 1, 0x800]), 0);
    assert_eq!(f.read_u32(0x800), 5);
    assert_eq!(&f.memory()[0x1000..0x1005], b"hello");
}

#[test]
fn memory_growth_is_seen() {
    let mut f = Fixture::new();
    let random = CASES.iter().find(|c| c.name == "random_get").unwrap();
    assert_eq!(f.call("random_get", random.params, &[0x1_0000, 16]), EFAULT);
    let memory = f.instance.get_memory(&mut f.store, "memory").unwrap();
    memory.grow(&mut f.store, 1).unwrap();
    assert_eq!(f.call("random_get", random.params, &[0x1_0000, 16]), 0);
    assert_eq!(f.call("random_get", random.params, &[0x1_fff0, 32]), EFAULT);
}
