#!/usr/bin/env python3
"""Runs a CPU-bound WebAssembly module in wasmtime (with and without fuel) and in wasm3, for comparison with
WasmKit. `sbp-bench vm-compare` starts this script and prints its figures in the same table as WasmKit's.

Usage: Tools/bench-wasmtime.py MODULE [--compressions N] [--seconds S] [--no-install]

MODULE exports `run(n: i32) -> i32` (Contracts/bench/sha256_mix.wasm: n SHA-256 compressions, returning a
checksum). Each engine calls `run(N)` once to warm up, then repeatedly until S seconds have passed; the
figure is compressions per second, the same measurement `sbp-bench` makes for WasmKit.

Prints one JSON object on standard output:
    {"python": "3.11.7",
     "results": [{"id", "name", "compressionsPerSecond", "checksum", "fuelPerCall" (or null)}],
     "skipped": [{"runtime", "reason"}]}
Progress and pip's messages go to standard error. A runtime that is missing and cannot be installed with
`python3 -m pip install --user` is listed under "skipped"; the script still exits 0, because a benchmark
never fails a build.
"""
import argparse
import importlib
import importlib.metadata
import json
import platform
import site
import subprocess
import sys
import time

# pip may compile pywasm3 from source; a minute is typical, this bounds a stuck build.
INSTALL_SECONDS_MAX = 900


def log(message):
    print(f"bench-wasmtime: {message}", file=sys.stderr, flush=True)


def pip_install(package):
    """Installs `package` for this user; returns None on success, else the reason it failed."""
    in_virtualenv = sys.prefix != sys.base_prefix
    base = [sys.executable, "-m", "pip", "install", "--quiet", package] + ([] if in_virtualenv else ["--user"])
    reason = None
    for extra in ([], ["--break-system-packages"]):
        log(f"installing {package}: {' '.join(base + extra)}")
        try:
            done = subprocess.run(base + extra, stdout=sys.stderr, stderr=subprocess.PIPE, text=True,
                                  timeout=INSTALL_SECONDS_MAX)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"pip install {package} failed: {error}"
        if done.returncode == 0:
            return None
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = f"pip install {package} failed: {lines[-1] if lines else f'exit status {done.returncode}'}"
        # Debian's system Python refuses --user installs unless told otherwise (PEP 668).
        if "externally-managed-environment" not in done.stderr:
            break
    return reason


def load(module_name, package, allow_install):
    """Imports `module_name`, installing `package` first if needed; returns (module, None) or (None, reason)."""
    try:
        return importlib.import_module(module_name), None
    except ImportError:
        pass
    if not allow_install:
        return None, f"{package} is not installed (python3 -m pip install --user {package})"
    reason = pip_install(package)
    if reason:
        return None, reason
    # The user site directory may not have existed when this interpreter started.
    if sys.prefix == sys.base_prefix:
        site.addsitedir(site.getusersitepackages())
    importlib.invalidate_caches()
    try:
        return importlib.import_module(module_name), None
    except ImportError as error:
        return None, f"{package} installed but cannot be imported: {error}"


def measure(call, compressions, seconds):
    """Compressions per second of `call()` (which runs `compressions` of them), after one warm-up call."""
    call()
    calls = 0
    start = time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls * compressions / elapsed


def bench_wasmtime(wasmtime, code, compressions, seconds):
    version = importlib.metadata.version("wasmtime")
    results = []
    for metered in (True, False):
        config = wasmtime.Config()
        config.consume_fuel = metered
        engine = wasmtime.Engine(config)
        store = wasmtime.Store(engine)
        module = wasmtime.Module(engine, code)  # compiled ahead of the measurement, as WasmKit's translation is
        instance = wasmtime.Instance(store, module, [])
        run = instance.exports(store)["run"]
        fuel_per_call = None
        if metered:
            budget = 1 << 62
            store.set_fuel(budget)
            checksum = run(store, compressions) & 0xFFFFFFFF
            fuel_per_call = budget - store.get_fuel()

            def call():
                store.set_fuel(budget)
                return run(store, compressions)
        else:
            checksum = run(store, compressions) & 0xFFFFFFFF

            def call():
                return run(store, compressions)
        label = "metered, consume_fuel" if metered else "unmetered"
        log(f"wasmtime {version} ({label})")
        results.append({
            "id": f"wasmtime_{'metered' if metered else 'unmetered'}",
            "name": f"wasmtime {version} ({label})",
            "compressionsPerSecond": measure(call, compressions, seconds),
            "checksum": checksum,
            "fuelPerCall": fuel_per_call,
        })
    return results


def bench_wasm3(wasm3, code, compressions, seconds):
    version = importlib.metadata.version("pywasm3")
    environment = wasm3.Environment()
    runtime = environment.new_runtime(64 * 1024)
    runtime.load(environment.parse_module(code))
    run = runtime.find_function("run")
    checksum = run(compressions) & 0xFFFFFFFF
    log(f"pywasm3 {version}")
    return [{
        "id": "wasm3",
        "name": f"pywasm3 {version} (wasm3 {wasm3.M3_VERSION}, no fuel)",
        "compressionsPerSecond": measure(lambda: run(compressions), compressions, seconds),
        "checksum": checksum,
        "fuelPerCall": None,
    }]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module")
    parser.add_argument("--compressions", type=int, default=2000, help="compressions per run(n) call")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per measurement")
    parser.add_argument("--no-install", action="store_true", help="do not pip install missing runtimes")
    arguments = parser.parse_args()
    with open(arguments.module, "rb") as file:
        code = file.read()
    report = {"python": platform.python_version(), "results": [], "skipped": []}
    for module_name, package, bench in (("wasmtime", "wasmtime", bench_wasmtime), ("wasm3", "pywasm3", bench_wasm3)):
        runtime, reason = load(module_name, package, not arguments.no_install)
        if runtime is None:
            log(f"skipping {package}: {reason}")
            report["skipped"].append({"runtime": package, "reason": reason})
            continue
        try:
            report["results"] += bench(runtime, code, arguments.compressions, arguments.seconds)
        except Exception as error:  # a runtime's failure skips it, never the whole comparison
            report["skipped"].append({"runtime": package, "reason": f"{type(error).__name__}: {error}"})
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
