"""`umami-lite import`: which format each file is, in which order to read them, and the run."""
import os

from . import import_goatcounter, import_own, import_umami
from .importing import Input, Report, SessionRow, Skip, Writer, read_rows
from .progress import Progress

FORMATS = ("umami-lite", "umami2", "umami1", "goatcounter")
ROLE_ORDER = {"sessions": 0}  # session files first: hits join their session
MODULES = {"umami-lite": import_own, "umami2": import_umami, "umami1": import_umami,
           "goatcounter": import_goatcounter}


class ImportFailed(ValueError):
    """A file that cannot be imported at all (unknown layout, wrong --format)."""


def detect(header):
    """Returns (format, role) for a file whose first line is header, or None."""
    role = import_own.detect(header)
    if role:
        return "umami-lite", role
    role = import_goatcounter.detect(header)
    if role:
        return "goatcounter", role
    return import_umami.detect(header)


def _open(path, fmt):
    source = Input(path)
    header, records = read_rows(source)
    found = detect(header)
    if found is None or (fmt and found[0] != fmt):
        source.close()
        what = f"a {found[0]} file" if found else "no known layout"
        shown = "jsonl" if header == "jsonl" else ", ".join(header[:6])
        raise ImportFailed(f"{path}: {what}" + (f", not {fmt}" if fmt else "")
                           + f" (header: {shown})")
    return source, header, records, found


def import_files(db, website, paths, fmt=None, cutoff=None, stream=None):
    """Returns one Report per file after importing them all into website.

    Files are checked before anything is stored; session files are read first. cutoff
    (epoch ms) skips rows older than the website's retention.
    """
    opened = []
    try:
        for path in paths:
            opened.append(_open(path, fmt))
        opened.sort(key=lambda item: ROLE_ORDER.get(item[3][1], 1))
        return [_import_one(db, website, item, cutoff, stream) for item in opened]
    finally:
        for source, *_ in opened:
            source.close()


def _import_one(db, website, item, cutoff, stream):
    source, header, records, (fmt, role) = item
    report = Report(source.path, fmt)
    writer = Writer(db, website, fmt, cutoff)
    progress = Progress(f"import {os.path.basename(source.path)}", source.size, stream=stream)
    try:
        for row in MODULES[fmt].rows(fmt, role, header, records):
            report.read += 1
            if isinstance(row, Skip):
                reason = row.reason
            elif isinstance(row, SessionRow):
                reason = writer.add_session(row)
            else:
                reason = writer.add_hit(row)
            if reason:
                report.skipped[reason] += 1
            else:
                report.imported += 1
            if report.read % 1000 == 0:
                progress.advance(source.position() - progress.done)
        writer.flush()
    except BaseException:
        writer.rollback()
        raise
    progress.advance(source.size - progress.done)
    progress.finish()
    return report
