"""`umami-lite import`: which format each file is, in which order to read them, and the run."""
import itertools
import os
from dataclasses import dataclass

from . import import_goatcounter, import_own, import_umami
from .importing import Input, Report, SessionRow, Skip, Writer, read_rows
from .progress import Progress

FORMATS = ("umami-lite", "umami2", "umami1", "goatcounter")
END = object()  # no record at all
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


@dataclass
class Opened:
    """One file of an import, its first line read; website is the checked website record
    that opens our own JSON lines export, or None."""
    source: Input
    header: object
    records: object
    format: str
    role: str
    website: dict = None


def _open(path, fmt):
    source = Input(path)
    try:
        header, records = read_rows(source)
    except UnicodeDecodeError:
        source.close()
        raise ImportFailed(f"{path}: not UTF-8 text (a CSV or JSON lines file, .gz allowed)"
                           ) from None
    except (OSError, EOFError) as exc:  # e.g. a .gz file that is not gzip, or cut short
        source.close()
        raise ImportFailed(f"{path}: cannot read it: {exc}") from None
    found = detect(header)
    if found is None or (fmt and found[0] != fmt):
        source.close()
        what = f"a {found[0]} file" if found else "no known layout"
        shown = "jsonl" if header == "jsonl" else ", ".join(header[:6])
        raise ImportFailed(f"{path}: {what}" + (f", not {fmt}" if fmt else "")
                           + f" (header: {shown})")
    opened = Opened(source, header, records, *found)
    if found[0] == "umami-lite" and header == "jsonl":
        first = next(records, END)
        if import_own.is_website(first):
            try:
                opened.website = import_own.website(first)
            except ValueError as exc:
                source.close()
                raise ImportFailed(f"{path}: {exc}") from None
        elif first is not END:
            opened.records = itertools.chain([first], records)
    return opened


class Sources:
    """The files of one import, each opened and recognised before anything is stored;
    website is the website record they carry (None when none does)."""

    def __init__(self, paths, fmt=None):
        self.items = []
        self.website = None
        try:
            for path in paths:
                self.items.append(_open(path, fmt))
            self.website = self._one_website()
        except BaseException:
            self.close()
            raise
        self.items.sort(key=lambda item: ROLE_ORDER.get(item.role, 1))

    def _one_website(self):
        carriers = [item for item in self.items if item.website is not None]
        for other in carriers[1:]:
            if other.website["website_uuid"] != carriers[0].website["website_uuid"]:
                raise ImportFailed(
                    f"{carriers[0].source.path} and {other.source.path} hold different "
                    f"websites ({carriers[0].website['website_uuid']}, "
                    f"{other.website['website_uuid']}): import them one at a time")
        return carriers[0].website if carriers else None

    def close(self):
        for item in self.items:
            item.source.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def import_files(db, website, paths, fmt=None, cutoff=None, stream=None):
    """Returns one Report per file after importing them all into website.

    Files are checked before anything is stored; session files are read first. cutoff
    (epoch ms) skips rows older than the website's retention.
    """
    with Sources(paths, fmt) as sources:
        return import_sources(db, website, sources, cutoff, stream)


def import_sources(db, website, sources, cutoff=None, stream=None):
    """Returns one Report per file of sources (a Sources) after importing them into website."""
    return [_import_one(db, website, item, cutoff, stream) for item in sources.items]


def _import_one(db, website, item, cutoff, stream):
    source, fmt = item.source, item.format
    report = Report(source.path, fmt)
    writer = Writer(db, website, fmt, cutoff)
    progress = Progress(f"import {os.path.basename(source.path)}", source.size, stream=stream)
    try:
        for row in MODULES[fmt].rows(fmt, item.role, item.header, item.records):
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
    except (OSError, EOFError, UnicodeDecodeError) as exc:  # e.g. a .gz file cut short
        writer.rollback()
        raise ImportFailed(f"{source.path}: cannot read it after {report.read} rows: {exc}"
                           " (the rows of the batches stored before stay; importing the "
                           "file again skips them)") from None
    except BaseException:
        writer.rollback()
        raise
    progress.advance(source.size - progress.done)
    progress.finish()
    return report
