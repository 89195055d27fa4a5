# Firebreak — the whole developer interface. See README.md.
#   make run     install what is missing, build, serve examples/config on 127.0.0.1:8080
#   make test    install what is missing, build (warnings are errors), run every test (unit, e2e,
#                browser, and each fuzz target replaying its corpus plus mutations)
#   make bench   build and run the benchmarks (see docs/BENCHMARKS.md)
#   make fuzz    build the libFuzzer targets with clang and run each for FUZZ_SECONDS
#   make build   build only (binary at build/firebreak)
#   make asan    build and run the unit tests under ASan/UBSan (build-asan/)

BUILD      ?= build
JOBS       ?= $(shell nproc)
LISTEN     ?= 127.0.0.1:8080
DATA       ?= var
CONFIG     ?= examples/config
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=

# ccache (when installed) shares hits between clones and worktrees: paths under the repo are made relative.
export CCACHE_BASEDIR ?= $(CURDIR)

.PHONY: all build run test bench fuzz fuzz-short asan clean deps deps-test deps-bench configure test-lint-npm test-npm

all: build

deps:
	@scripts/install-deps.sh build
deps-test:
	@scripts/install-deps.sh test
	@$(MAKE) --no-print-directory test-npm
	@scripts/install-npm-tools.sh

# npm test tools pinned in tests/package-lock.json (MCP conformance suite, MCP SDK client).
test-npm: tests/node_modules/.package-lock.json
tests/node_modules/.package-lock.json: tests/package.json tests/package-lock.json
	cd tests && npm ci --no-audit --no-fund --loglevel=error
deps-bench:
	@scripts/install-deps.sh bench

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DFB_WERROR=ON $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

run: deps configure
	cmake --build $(BUILD) -j $(JOBS) --target firebreak
	$(BUILD)/firebreak serve --config $(CONFIG) --data $(DATA) --listen $(LISTEN)

test: deps-test configure
	cmake --build $(BUILD) -j $(JOBS)
	@$(MAKE) --no-print-directory test-lint-npm
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure --timeout 900

# markdownlint-cli (pinned in tests/lint/package-lock.json) for the report tests.
test-lint-npm: tests/lint/node_modules/.package-lock.json
tests/lint/node_modules/.package-lock.json: tests/lint/package-lock.json
	cd tests/lint && npm ci --no-audit --no-fund --loglevel=error

bench: deps-bench configure
	cmake --build $(BUILD) -j $(JOBS) --target all fb_benches
	bench/run-all.sh $(BUILD)

build-fuzz/build.ninja:
	CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DFB_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo

fuzz: deps-test build-fuzz/build.ninja
	cmake --build build-fuzz -j $(JOBS)
	fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

asan: deps-test
	cmake -S . -B build-asan -G Ninja -DFB_SANITIZE=ON -DFB_BENCH=OFF
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest -j $(JOBS) --output-on-failure -L unit

clean:
	rm -rf $(BUILD) build-fuzz build-asan
