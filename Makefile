# SBP: the two commands a new machine needs.
#   make devnet   start a local multi-department network
#   make test     install what is missing, build, check module rules, run every test
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?= --explicit-target-dependency-import-check=error
SYSTEM_PACKAGES := librocksdb-dev libsecp256k1-dev libssl-dev pkg-config

.PHONY: explorer-wasm test devnet netns bench-rpc bench-network bench-idle bench-anchor deps check-dependencies lint format build build-release bench clean

## Install the system libraries the node links against, only when missing.
deps:
	@Tools/bootstrap

check-dependencies:
	@python3 Tools/check-dependencies

## STYLE.md: `swift format lint` clean, with the checked-in .swift-format.
lint:
	$(SWIFT) format lint --strict -r Sources Tests

format:
	$(SWIFT) format format -i -r Sources Tests

build: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)

build-release: deps
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS)

test: deps check-dependencies lint build
	python3 Tools/build-secp256k1-wasm --check
	python3 Tools/crosscheck-verify.py "$$($(SWIFT) build --show-bin-path)/sbp"
	$(SWIFT) test --skip-build

## Four departments, four validator processes with mutual TLS on loopback; Ctrl-C stops them all.
devnet: deps
	$(SWIFT) build -c release --product sbp
	"$$($(SWIFT) build -c release --show-bin-path)/sbp" devnet --validators 4 --dir .devnet

## Four validators in Linux network namespaces: cut one off, partition 2|2, heal, check agreement; then a
## new department's validator in a fifth namespace is voted in and carries the chain with a founder cut off,
## has its certificate rotated under load, and a founder is removed by governance.
## Needs root (sudo make netns); not part of `make test`. See Tools/netns-harness --help.
netns: deps
	$(SWIFT) build --product sbp
	Tools/netns-harness --sbp "$$($(SWIFT) build --show-bin-path)/sbp"
	Tools/netns-harness --sbp "$$($(SWIFT) build --show-bin-path)/sbp" --scenario join

## JSON-RPC requests per second under wrk (Debian package), next to the HTTP framework's ceiling.
bench-rpc: deps
	@command -v wrk >/dev/null || apt-get install -y wrk
	$(SWIFT) build -c release --product sbp
	Tools/bench-rpc --sbp "$$($(SWIFT) build -c release --show-bin-path)/sbp"

## Signed transactions through four local sbp node processes: closed-loop rate against the signature bound,
## open-loop latency at 25/50/75/100% of it, and each node's resident memory (docs/performance.md).
bench-network: deps
	$(SWIFT) build -c release --product sbp
	$(SWIFT) build -c release --product sbp-bench
	"$$($(SWIFT) build -c release --show-bin-path)/sbp-bench" network --validators 4 --transactions 20000

## CPU a four-node devnet costs at rest, supervisor included, from /proc over 60 s (docs/performance.md).
bench-idle: deps
	$(SWIFT) build -c release --product sbp
	Tools/bench-idle --sbp "$$($(SWIFT) build -c release --show-bin-path)/sbp"

## etcd (4 members, mutual TLS, Debian etcd-server) loaded with puts, then bench-network's closed loop: the ratio.
bench-anchor: deps
	$(SWIFT) build -c release --product sbp
	$(SWIFT) build -c release --product sbp-bench
	Tools/bench-anchor --sbp-bench "$$($(SWIFT) build -c release --show-bin-path)/sbp-bench"

## Four validators at 0 and at a million licences, alternated in three pairs of 60,000 transactions: each pair's
## ratio and their median (issue 18, deliver 3). The million-licence network is populated once in
## RECORDS_DIR (about five minutes) and reused after.
RECORDS_DIR ?= /var/tmp/sbp-bench-records
bench-growth: deps
	$(SWIFT) build -c release --product sbp
	$(SWIFT) build -c release --product sbp-bench
	Tools/bench-growth --sbp-bench "$$($(SWIFT) build -c release --show-bin-path)/sbp-bench" --records-dir "$(RECORDS_DIR)" \
		-- --validators 4 --transactions 60000 --open-loop-loads none

## Every benchmark above also has a `--smoke` mode (tiny counts, figures unchecked) that `make test` runs
## through IntegrationTests/BenchmarkSmokeTests.swift, so a change that breaks one fails CI.
bench: build-release
	"$$($(SWIFT) build -c release --show-bin-path)/sbp-bench" primitives

## Rebuild Genesis/contracts/*.wasm from Contracts/*.c with the toolchain's clang.
contracts:
	@Tools/build-contracts

## Rebuild Explorer/secp256k1.wasm from Debian's libsecp256k1 source package (checked by hash), then the
## embedded explorer files (docs/explorer.md). `make test` checks that the committed module is this build.
explorer-wasm:
	python3 Tools/build-secp256k1-wasm
	python3 Tools/generate-explorer-assets

clean:
	rm -rf .build
