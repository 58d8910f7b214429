//! Release builds on Linux: the linker compresses the debug sections (zlib), so the shipped binary
//! keeps file:line for our own code's backtraces at a third of the size (Rust's backtraces read
//! compressed DWARF). Nothing else happens here.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if release && linux {
        println!("cargo:rustc-link-arg-bins=-Wl,--compress-debug-sections=zlib");
    }
}
