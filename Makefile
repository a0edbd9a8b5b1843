# Grace: a thin wrapper over meson/ninja.  The build lives in build/.
#
#   make               build (configuring with the defaults if needed)
#   make check         every test suite except the slow ones
#   make check-unit    the fast unit tests (every commit must pass these)
#   make check-slow    the long stress and model-checking variants
#   make bench         benchmarks against the peer implementations
#   make run           boot the test Linux to its shell on the serial console
#   make check-series BASE=<rev>   build and check-unit each commit since BASE
#   make fuzz          fuzz the devices and QMP longer than check-slow does

BUILD := build
MESON_TEST := meson test -C $(BUILD) --print-errorlogs
SUMMARY := scripts/test-summary.py $(BUILD)/meson-logs/testlog.json

# Installs missing Debian packages (or says how); quick when all are present.
# Set GRACE_SKIP_DEPS=1 to skip the check.
DEPS = $(if $(GRACE_SKIP_DEPS),@true,@scripts/install-deps.sh --quiet)

.PHONY: all deps check check-unit check-slow bench run clean distclean check-series fuzz

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	$(DEPS)

$(BUILD)/build.ninja:
	$(DEPS)
	./configure

# meson test exits non-zero on failure; the summary line must still be
# the last thing printed, so remember the status and exit with it.
define run_tests
	$(DEPS)
	@$(MAKE) --no-print-directory all
	@rm -f $(BUILD)/meson-logs/testlog.json
	@status=0; $(MESON_TEST) $(1) || status=$$?; \
	$(SUMMARY) || status=1; exit $$status
endef

check:
	$(call run_tests,--no-suite slow --no-suite bench)

check-unit:
	$(call run_tests,--suite unit)

check-slow:
	$(call run_tests,--suite slow --timeout-multiplier 4)

# Seconds per device (and for QMP and the gdb stub); the corpora grow in build/tests/fuzz.
FUZZ_SECONDS ?= 300
fuzz: all
	$(DEPS)
	tests/fuzz/fuzz-virt.py $(CURDIR) $(CURDIR)/$(BUILD) $(FUZZ_SECONDS)
	tests/fuzz/fuzz-qmp.sh $(CURDIR) $(CURDIR)/$(BUILD) $(FUZZ_SECONDS)
	tests/fuzz/fuzz-gdbstub.sh $(CURDIR) $(CURDIR)/$(BUILD) $(FUZZ_SECONDS)

# One benchmark at a time; bench-summary (last) prints one table of every
# figure from build/bench/*.json, so old results go first.
bench: all
	@rm -f $(BUILD)/bench/*.json $(BUILD)/bench/*.png
	@$(MESON_TEST) --suite bench --verbose --num-processes 1 --timeout-multiplier 0

# Builds the guest first if needed (scripts/build-linux-guest.sh; a
# prebuilt kernel can come from GRACE_GUEST_DIR).
run: all
	scripts/run-guest.sh $(BUILD)/grace-system-riscv64

check-series:
	@test -n "$(BASE)" || { echo "usage: make check-series BASE=<rev> [HEAD=<rev>]" >&2; exit 1; }
	scripts/check-series.sh $(BASE) $(HEAD)

clean:
	@if [ -f $(BUILD)/build.ninja ]; then ninja -C $(BUILD) clean; fi

distclean:
	rm -rf $(BUILD)
