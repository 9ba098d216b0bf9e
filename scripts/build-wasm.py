#!/usr/bin/env python3
"""Builds the web packages as wasm-pack.toml says, each with its own Cargo features:
cargo → wasm-bindgen → wasm-opt → size budget. Fails when a package is over its budget.

    python3 scripts/build-wasm.py            # every package
    python3 scripts/build-wasm.py wallet     # only the named ones

Run scripts/ensure-tools.sh first (the README's commands do). Prints the sizes it measured.
"""
import gzip
import os
import pathlib
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(*cmd):
    print("==>", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def build(conf, name, pkg):
    b, opt = conf["build"], conf["wasm-opt"]
    crate_file = b["crate"].replace("-", "_")
    profile = pkg.get("profile", b["profile"])
    run("cargo", "build", "--lib", "-p", b["crate"], "--target", "wasm32-unknown-unknown",
        "--profile", profile, "--no-default-features",
        "--features", ",".join(pkg["features"]))
    target_dir = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    built = target_dir / "wasm32-unknown-unknown" / profile / f"{crate_file}.wasm"
    out_dir = ROOT / b["out-dir"]
    run("wasm-bindgen", built, "--target", b["target"], "--out-dir", out_dir, "--out-name", name)
    wasm = out_dir / f"{name}_bg.wasm"
    raw_before = wasm.stat().st_size
    if opt.get("enabled", True):
        run(ROOT / "tools/node_modules/.bin/wasm-opt", *opt["args"], wasm, "-o", wasm)
    raw = wasm.stat().st_size
    gz = len(gzip.compress(wasm.read_bytes(), compresslevel=9))
    return raw_before, raw, gz, pkg["wasm-gzip-max-bytes"]


def main():
    conf = tomllib.loads((ROOT / "wasm-pack.toml").read_text())
    packages = conf["packages"]
    names = sys.argv[1:] or list(packages)
    unknown = [n for n in names if n not in packages]
    if unknown:
        sys.exit(f"no such package in wasm-pack.toml: {', '.join(unknown)}")
    sizes = {name: build(conf, name, packages[name]) for name in names}
    over = []
    for name, (raw_before, raw, gz, limit) in sizes.items():
        print(f"{name}: {raw_before} bytes from wasm-bindgen, {raw} after wasm-opt, "
              f"{gz} gzip -9 (budget {limit})")
        if gz > limit:
            over.append(f"{name} {gz} > {limit}")
    if over:
        sys.exit(f"size budget exceeded (bytes gzip -9): {'; '.join(over)}")


if __name__ == "__main__":
    main()
