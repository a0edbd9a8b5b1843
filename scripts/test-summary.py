#!/usr/bin/env python3
"""Print the one-line summary of a meson test run.

Reads meson's testlog.json and prints 'N passed, N failed' (followed by
', N skipped' when some were skipped).  Exits 1 if anything failed or if
the log is missing, so that an empty run never reads as a success.
"""
import json
import sys

FAILED = {'FAIL', 'TIMEOUT', 'ERROR', 'UNEXPECTEDPASS'}


def main(path):
    passed = failed = skipped = 0
    try:
        with open(path) as f:
            for line in f:
                if not line.strip():
                    continue
                result = json.loads(line).get('result')
                if result in ('OK', 'EXPECTEDFAIL'):
                    passed += 1
                elif result == 'SKIP':
                    skipped += 1
                elif result in FAILED:
                    failed += 1
    except OSError as e:
        print(f'0 passed, 1 failed (no test log: {e.strerror})')
        return 1
    line = f'{passed} passed, {failed} failed'
    if skipped:
        line += f', {skipped} skipped'
    print(line)
    return 1 if failed or passed + skipped == 0 else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
