//! Runs the instantiate oracle on seeded cases until the first finding; see
//! `egret_fuzzing::driver` and `docs/fuzzing.md`.

fn main() {
    egret_fuzzing::driver::main(egret_fuzzing::driver::Target::Instantiate);
}
