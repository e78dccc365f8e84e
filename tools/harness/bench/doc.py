"""The benchmark's section of a markdown file (docs/performance.md): the
generated tables are replaced, hand-written notes after them are kept."""

from __future__ import annotations

import os
from typing import Optional

DOC_HEADING = '## Edit-build-test loop'
DOC_END = '<!-- end of the part tools/bench.py writes; notes below it are kept -->'


def find_line(lines: list[str], wanted: str, start: int = 0) -> Optional[int]:
    """The index of the first line from start that is wanted (trailing space ignored)."""
    return next((i for i in range(start, len(lines)) if lines[i].rstrip() == wanted), None)


def splice(text: str, section: str) -> str:
    """text with its Edit-build-test loop section's generated part replaced
    by section (or the section added at the end): the notes after the
    DOC_END marker, and every other section, kept."""
    lines = text.splitlines(keepends=True)
    start = find_line(lines, DOC_HEADING)
    generated = section + '\n' + DOC_END + '\n'
    if start is None:
        return text.rstrip('\n') + '\n\n' + generated
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith('## ')),
               len(lines))
    old = lines[start:end]
    mark = find_line(old, DOC_END)
    notes = ''.join(old[mark + 1:]) if mark is not None else ''
    rest = ''.join(lines[end:])
    body = generated + notes
    return ''.join(lines[:start]) + body.rstrip('\n') + '\n' + ('\n' + rest if rest else '')


def update_doc(path: str, section: str) -> None:
    """Replace (or add) the Edit-build-test loop section of a markdown file.

    Only the generated part is replaced: hand-written notes that follow the
    DOC_END marker inside the section, and every other section, are kept.
    The file is replaced whole, never left half written.
    """
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except FileNotFoundError:
        text = '# Performance\n'
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(splice(text, section))
    os.replace(tmp, path)
