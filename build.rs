fn main() {
    napi_build::setup();
    // The target triple, so the addon can say which binary a host loaded (`binaryTarget()`).
    println!(
        "cargo:rustc-env=CACHECORE_TARGET={}",
        std::env::var("TARGET").unwrap_or_default()
    );
}
