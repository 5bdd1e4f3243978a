#!/usr/bin/env python3
"""Prints the ```mlir blocks of a Markdown file as one -split-input-file input.

Used by the test suite to check that the examples in docs/ parse and verify.
"""
import sys


def main(path):
    blocks, current = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            stripped = line.strip()
            if current is None and stripped == "```mlir":
                current = []
            elif current is not None and stripped == "```":
                blocks.append("".join(current))
                current = None
            elif current is not None:
                current.append(line)
    if current is not None:
        sys.exit(f"{path}: unterminated ```mlir block")
    if not blocks:
        sys.exit(f"{path}: no ```mlir blocks")
    sys.stdout.write("\n// -----\n\n".join(blocks))


if __name__ == "__main__":
    main(sys.argv[1])
