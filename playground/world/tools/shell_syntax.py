"""Shell syntax for the ``shell`` tool: a quote-aware split of a command line at
unquoted operators, and getopt-style option parsing. Pure text; no execution."""

from __future__ import annotations

import re
import shlex

PUNCT, OPS = "();<>|&`\n", ("&&", "||", ">>", ";", "|", "&", ">", "<", "(", ")", "`", "\n")  # longest first
UNSUPPORTED = {"|": "pipes are", "&": "background jobs are", "<": "input redirections are",
               "(": "subshells are", ")": "subshells are", "`": "command substitutions are"}


class Fail(Exception):
    """A command's error, worded like coreutils; ``code`` is its exit status."""

    def __init__(self, msg: str, code: int = 1):
        super().__init__(msg)
        self.code = code


def _lex(command: str) -> list[tuple[str, bool]]:
    """Words and operators as (text, is_operator): split at unquoted operators, then shlex.split the words."""
    out: list[tuple[str, bool]] = []
    chunk, quote, i = "", "", 0
    while i < len(command):
        c = command[i]
        if c == "\\" and quote != "'":
            chunk, i = chunk + command[i:i + 2], i + 2
            continue
        if not quote and c in PUNCT:
            op = next(o for o in OPS if command.startswith(o, i))
            i += len(op)
            if op in (">", ">>") and (m := re.search(r"(?:^|\s)([12])$", chunk)):  # `2> file`, `1>> file`
                chunk, op = chunk[:m.start(1)], m[1] + op
            out += [(w, False) for w in shlex.split(chunk)] + [(op, True)]
            chunk = ""
            continue
        if c in "'\"" and quote in ("", c):
            quote = "" if quote else c
        chunk, i = chunk + c, i + 1
    if quote:
        raise Fail(f"bash: unexpected EOF while looking for matching `{quote}'\nbash: syntax error: unexpected end of file", 2)
    return out + [(w, False) for w in shlex.split(chunk)]


def _parse(tokens: list[tuple[str, bool]]) -> list[tuple[str, list[str], list[tuple[int, str, str]]]]:
    """[(connector, argv, [(fd, mode, target)])]; raises Fail with bash's syntax message."""
    cmds: list = []
    argv: list[str] = []
    redirs: list[tuple[int, str, str]] = []
    conn, i = ";", 0
    while i < len(tokens):
        tok, is_op = tokens[i]
        i += 1
        if not is_op:
            argv.append(tok)
        elif tok in UNSUPPORTED:
            raise Fail(f"bash: {UNSUPPORTED[tok]} not supported in this shell", 2)
        elif ">" in tok:
            if i >= len(tokens) or tokens[i][1]:
                raise Fail(f"bash: syntax error near unexpected token `{tokens[i][0] if i < len(tokens) else 'newline'}'", 2)
            redirs.append((2 if tok[0] == "2" else 1, "a" if tok.endswith(">>") else "w", tokens[i][0]))
            i += 1
        elif not argv and not redirs:
            if tok != "\n":
                raise Fail(f"bash: syntax error near unexpected token `{tok}'", 2)
        else:
            cmds.append((conn, argv, redirs))
            argv, redirs, conn = [], [], (tok if tok in ("&&", "||") else ";")
    if argv or redirs:
        cmds.append((conn, argv, redirs))
    elif conn != ";":
        raise Fail("bash: syntax error: unexpected end of file", 2)
    return cmds


def opts(cmd: str, argv: list[str], flags: str, values: str = "") -> tuple[dict[str, str], list[str]]:
    """GNU-style short options anywhere on the line (``-rf``, ``-d DATE``): (options, operands)."""
    got: dict[str, str] = {}
    ops: list[str] = []
    it = iter(argv)
    for a in it:
        if a == "--":
            ops += list(it)
        elif a.startswith("--"):
            raise Fail(f"{cmd}: unrecognized option '{a}'\nTry '{cmd} --help' for more information.")
        elif a.startswith("-") and len(a) > 1:
            for j, ch in enumerate(a[1:], 1):
                if ch not in flags + values:
                    raise Fail(f"{cmd}: invalid option -- '{ch}'\nTry '{cmd} --help' for more information.")
                got[ch] = "1"
                if ch in values:
                    got[ch] = a[j + 1:] or next(it, None) or ""
                    if not got[ch]:
                        raise Fail(f"{cmd}: option requires an argument -- '{ch}'")
                    break
        else:
            ops.append(a)
    return got, ops
