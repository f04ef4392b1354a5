#!/usr/bin/env python3
"""The seed's change detection (shared/seeds/000, BackupManager.calculate_content_hash), re-implemented
for the backup benchmark as the baseline the issue names: for each of eight name patterns, walk the whole
tree with rglob, skip paths under the excluded folders, and feed every matching file into one MD5.
Prints the hex digest. Usage: seed_content_hash.py ROOT"""
import hashlib
import sys
from pathlib import Path

PATTERNS = ["*.py", "*.js", "*.ts", "*.html", "*.css", "*.json", "*.yaml", "*.yml"]
EXCLUDED = {".git", "__pycache__", "node_modules", "logs", "thumbnails", ".fastband"}


def content_hash(root: Path) -> str:
    digest = hashlib.md5()
    for pattern in PATTERNS:
        for path in root.rglob(pattern):
            if EXCLUDED.intersection(path.parts):
                continue
            try:
                digest.update(path.read_bytes())
            except OSError:
                continue
    return digest.hexdigest()


if __name__ == "__main__":
    print(content_hash(Path(sys.argv[1])))
