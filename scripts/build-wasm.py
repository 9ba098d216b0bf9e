#!/usr/bin/env python3
"""Builds the web package as wasm-pack.toml says: cargo → wasm-bindgen → wasm-opt → size budget.

Run scripts/ensure-tools.sh first (the README's commands do). Prints the sizes it measured.
"""
import gzip
import pathlib
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(*cmd):
    print("==>", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def main():
    conf = tomllib.loads((ROOT / "wasm-pack.toml").read_text())
    pkg, opt, budget = conf["package"], conf["wasm-opt"], conf["budget"]
    crate_file = pkg["crate"].replace("-", "_")
    run("cargo", "build", "--lib", "-p", pkg["crate"], "--target", "wasm32-unknown-unknown",
        "--profile", pkg["profile"])
    built = ROOT / "target/wasm32-unknown-unknown" / pkg["profile"] / f"{crate_file}.wasm"
    out_dir = ROOT / pkg["out-dir"]
    run("wasm-bindgen", built, "--target", pkg["target"], "--out-dir", out_dir,
        "--out-name", pkg["out-name"])
    wasm = out_dir / f"{pkg['out-name']}_bg.wasm"
    raw_before = wasm.stat().st_size
    if opt.get("enabled", True):
        run(ROOT / "tools/node_modules/.bin/wasm-opt", *opt["args"], wasm, "-o", wasm)
    raw = wasm.stat().st_size
    gz = len(gzip.compress(wasm.read_bytes(), compresslevel=9))
    limit = budget["wasm-gzip-max-bytes"]
    print(f"wasm: {raw_before} bytes from wasm-bindgen, {raw} after wasm-opt, "
          f"{gz} gzip -9 (budget {limit})")
    if gz > limit:
        sys.exit(f"size budget exceeded: {gz} > {limit} bytes gzip")


if __name__ == "__main__":
    main()
