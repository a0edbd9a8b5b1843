# What the scripts of the libFuzzer targets share (sourced, not run):
# each builds its target with clang, libFuzzer and ASan/UBSan,
# separately from the gcc build, and runs it for a bounded time.
#
#   . "$src/tests/fuzz/libfuzzer.sh"
#   fuzz_setup NAME SRCDIR BUILDDIR       # exits 77 if clang cannot
#   fuzz_build SOURCE...                  # exits 1 if the build fails
#   fuzz_run SECONDS MAXLEN SEEDDIR       # exits 1 on a finding
#
# The target is BUILDDIR/tests/fuzz/fuzz-NAME; the corpus it grows stays
# in BUILDDIR/tests/fuzz/NAME-corpus for the next run, and a crashing
# input is left in BUILDDIR/tests/fuzz/.  CLANG names the compiler.

fuzz_setup() {
    fuzz_name=$1
    src=$2
    build=$3
    out=$build/tests/fuzz
    cc=${CLANG:-clang}

    mkdir -p "$out/$fuzz_name-corpus" || exit 1
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "fuzz-$fuzz_name: SKIP: $cc not found (Debian: clang)"
        exit 77
    fi
    probe=$out/probe.c
    echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)
{ return 0; }' >"$probe"
    if ! "$cc" -fsanitize=fuzzer,address "$probe" -o "$out/probe" \
            >"$out/probe.log" 2>&1; then
        echo "fuzz-$fuzz_name: SKIP: $cc cannot link -fsanitize=fuzzer" \
             "(Debian: libclang-rt-14-dev)"
        exit 77
    fi
}

fuzz_build() {
    cflags="-std=gnu11 -g -O1 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64
            -fno-strict-aliasing -fno-common -Wno-unused-parameter
            -fsanitize=fuzzer,address,undefined
            -fno-sanitize-recover=undefined
            -I$src/include -I$src -I$build
            $(pkg-config --cflags glib-2.0 json-glib-1.0)"
    libs="$(pkg-config --libs glib-2.0 json-glib-1.0) -lfdt -lm -pthread"

    echo "fuzz-$fuzz_name: building with $cc"
    # shellcheck disable=SC2086
    if ! "$cc" $cflags "$@" $libs -o "$out/fuzz-$fuzz_name" \
            >"$out/$fuzz_name-build.log" 2>&1; then
        cat "$out/$fuzz_name-build.log"
        echo "fuzz-$fuzz_name: build failed"
        exit 1
    fi
}

fuzz_run() {
    secs=$1
    max_len=$2
    seeds=$3

    echo "fuzz-$fuzz_name: fuzzing for $secs s"
    cd "$out" || exit 1
    # libFuzzer's own exit code for a finding is 77, which meson reads as
    # "skipped": make every finding exit 1.
    "./fuzz-$fuzz_name" -max_total_time="$secs" -max_len="$max_len" \
        -timeout=10 -rss_limit_mb=2048 -error_exitcode=1 \
        -timeout_exitcode=1 -print_final_stats=1 \
        "$fuzz_name-corpus" "$seeds"
    status=$?
    if [ "$status" -ne 0 ]; then
        echo "fuzz-$fuzz_name: FAILED (status $status); reproduce with:" \
             "$out/fuzz-$fuzz_name $out/crash-*"
        exit 1
    fi
}
