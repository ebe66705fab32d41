# The two commands of the README:
#   make demo   build aftersales and run the whole after-sales job on the embedded simulated shop
#   make test   build with ASan + UBSan, fuzz the parsers briefly, run every test (ctest prints the summary)
# Missing Debian packages are installed first (scripts/install-deps.sh).

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += --no-print-directory
BUILD ?= build
DEMO_DIR ?= demo-out

.PHONY: all build demo screenshot test test-asan fuzz bench deps clean

all: build

deps:
	@scripts/install-deps.sh build

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DAS_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@$(BUILD)/aftersales demo --out $(DEMO_DIR)

# The demo's report rendered in headless Chromium (checked on the way), as a full-page PNG for a person to look at.
screenshot: build
	@scripts/install-deps.sh test
	@$(BUILD)/aftersales demo --out $(DEMO_DIR)
	@/usr/bin/python3 tests/browser/check_report.py $(DEMO_DIR)/report.html --screenshot $(DEMO_DIR)/report.png
	@echo "Screenshot of the demo report: $(abspath $(DEMO_DIR)/report.png)"

test:
	@scripts/install-deps.sh test
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAS_SANITIZE=ON -DAS_TESTS=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAS_FUZZ=ON -DAS_TESTS=OFF \
	   -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	   AS_FUZZ_DIR=$(CURDIR)/build-fuzz ctest --output-on-failure -j $(JOBS)

bench:
	@scripts/install-deps.sh bench
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DAS_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@bench/run.sh $(BUILD)

clean:
	rm -rf build build-asan build-fuzz $(DEMO_DIR)
