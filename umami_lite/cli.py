"""The `umami-lite` command: thin shells over library functions."""
import argparse
import contextlib
import ctypes
import gc
import getpass
import os
import socket
import sys
import time

from . import settings as config
from .storage import connection as db, sites, users
from .storage.dialect import is_postgres
from .ops import backup as backups
from .ops import export as exports
from .ops import import_website, importer, retention
from .ops.migrate import MigrateError, migrate as move_installation
from .ops.timeparse import parse_ms
from .version import version
from .web.throttle import Throttle

# Bounds that catch a typo (--workers 20000 forks until the machine stalls), not a tuning.
MAX_WORKERS, MAX_THREADS = 256, 1024
SNIPPET = ('<script async defer data-website-id="{uuid}" '
           'src="{host}/script.js"></script>')


# The settings a flag of the command can give (an empty flag is a value too, and refused)
FLAGS = {"UMAMI_LITE_DATABASE": ("database", "--database")}


def _app(args):
    from . import create_app
    return create_app({setting: getattr(args, dest) for setting, (dest, _) in FLAGS.items()
                       if getattr(args, dest) is not None})


def _database(args):
    """Returns the database path from --database or the settings, checked but not opened."""
    if args.database is not None:
        return config.checked("UMAMI_LITE_DATABASE", args.database)
    return config.resolve({})["UMAMI_LITE_DATABASE"]


def _setting_problem(exc, args):
    """Returns a SettingError's message naming where the value came from: the flag when
    the command line gave it, else the setting (its environment variable)."""
    dest, flag = FLAGS.get(exc.setting, (None, None))
    return exc.named(flag) if dest and getattr(args, dest, None) is not None else str(exc)


def _website(conn, key):
    """Returns the website row for an id or uuid, or exits naming it."""
    row = sites.find(conn, key)
    if row is None:
        sys.exit(f"umami-lite: no website {key!r}")
    return row


def _time_arg(text, end_of_day=False):
    try:
        return parse_ms(text, end_of_day)
    except ValueError:
        sys.exit(f"umami-lite: {text!r} is not a date, ISO time or epoch milliseconds")


def cmd_serve(args):
    """Starts gunicorn (a production WSGI server) with the app."""
    app = _app(args)
    serve(app, args.host, args.port, args.workers, args.threads, args.access_log)


def _number(minimum, maximum=None):
    """Returns an argparse type accepting whole numbers from minimum to maximum."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f"from {minimum} to {maximum}" if maximum else f"at least {minimum}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {value}")
        return value
    return parse


def listen_problem(host, port):
    """Returns why host:port cannot be listened on, or None when it is free.

    serve()'s workers each bind their own socket with SO_REUSEPORT, which would let a second
    server on the same port start and silently take part of the connections; a socket bound
    without that option fails wherever another server listens.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        return exc.strerror
    with socket.socket(family, kind, proto) as probe:
        # (connections of a stopped server still in TIME_WAIT are no conflict)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.strerror
    return None


def release_free_heap():
    """Hands the heap pages that start-up freed back to the kernel (glibc's malloc_trim).

    Building the country table frees ~60 MB of the data file's Python lists; glibc kept
    those pages, and every forked worker started with them in its RSS (bench/countries.py
    measures it). Elsewhere than glibc (musl, macOS) there is nothing to call.
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def serve(app, host, port, workers, threads, access_log=None):
    """Runs app under gunicorn until stopped; bench/bare_app.py uses the same setup."""
    from gunicorn.app.base import BaseApplication

    from .ops import serverlog
    from .state import EXTENSION_KEY

    problem = listen_problem(host, port)
    if problem:
        sys.exit(f"umami-lite: cannot listen on {host}:{port}: {problem}")
    if access_log not in (None, "-"):
        try:  # (gunicorn finds out later, in several lines)
            open(access_log, "a").close()
        except OSError as exc:
            sys.exit(f"umami-lite: cannot write the access log {access_log}: {exc.strerror}")
    umami = app.extensions[EXTENSION_KEY]
    print(f"umami-lite: serving {umami.database} on http://{host}:{port}/", file=sys.stderr,
          flush=True)
    umami.country_lookup.preload()  # shared by the forked workers
    # A full garbage collection in a worker walked every object made at startup (~48 k:
    # 20 to 30 ms in process, up to 116 ms in a loaded worker, all its threads stopped):
    # the half-peak p99. Frozen objects are never walked again (nor copied by the forks).
    gc.collect()
    release_free_heap()
    gc.freeze()

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            # Each worker listens on its own socket and the kernel spreads new connections
            # over them. With one shared socket the first worker awake took most: often 12
            # to 16 of a client's 16 keep-alive connections, the other worker short of work.
            self.cfg.set("reuse_port", True)
            self.cfg.set("accesslog", access_log)
            self.cfg.set("access_log_format", serverlog.ACCESS_LOG_FORMAT)
            self.cfg.set("errorlog", "-")
            self.cfg.set("logger_class", serverlog.PrivateLogger)
            if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 25
                # Unused here, and its path (~/.gunicorn/gunicorn.ctl) is shared by every
                # gunicorn of the user: servers started side by side unlink each other's.
                self.cfg.set("control_socket_disable", True)

        def load(self):
            return app

    Server().run()


def cmd_init_db(args):
    """Creates missing tables and the first admin; never drops data."""
    app = _app(args)
    path = app.extensions["umami_lite"].database
    if not is_postgres(path):
        path = os.path.abspath(path)
    print(f"umami-lite: database ready at {path}")


def cmd_create_user(args):
    if not args.username.strip() or len(args.username) > users.MAX_USERNAME:
        sys.exit(f"umami-lite: the username must have 1 to {users.MAX_USERNAME} characters, "
                 "not only spaces")
    app = _app(args)
    password = args.password or os.environ.get("UMAMI_LITE_NEW_PASSWORD")
    if not password:
        password = getpass.getpass(f"Password for {args.username}: ")
    _check_password(password)
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        with db.transaction(conn):
            row = users.create_user(conn, args.username, password, args.admin)
    except ValueError as exc:
        sys.exit(f"umami-lite: {exc}")
    finally:
        conn.close()
    print(f"created user {row['username']} (id {row['user_id']}"
          f"{', admin' if row['is_admin'] else ''})")


def _check_password(password):
    """Exits with one line unless password has an acceptable length."""
    if not users.MIN_PASSWORD <= len(password) <= users.MAX_PASSWORD:
        sys.exit(f"umami-lite: the password must have {users.MIN_PASSWORD} to "
                 f"{users.MAX_PASSWORD} characters")


def _new_password(args):
    """Returns the new password: stdin's first line (--password-stdin), else typed twice."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass(f"New password for {args.username}: ")
    if getpass.getpass("Repeat it: ") != password:
        sys.exit("umami-lite: the passwords do not match; nothing changed")
    return password


def cmd_reset_password(args):
    """Sets a new password, revokes the account's login tokens, forgets its failed logins."""
    app = _app(args)
    umami = app.extensions["umami_lite"]
    conn = db.connect(umami.database)
    try:
        if users.get_by_name(conn, args.username) is None:
            sys.exit(f"umami-lite: no user named {args.username!r}; nothing changed")
        password = _new_password(args)
        _check_password(password)
        settings = umami.settings
        throttle = Throttle(umami.secret, settings["UMAMI_LITE_LOGIN_FAILURES"],
                            settings["UMAMI_LITE_LOGIN_WINDOW"])
        with db.transaction(conn):
            row = users.get_by_name(conn, args.username)  # (still there after the prompt)
            if row is None:
                sys.exit(f"umami-lite: no user named {args.username!r}; nothing changed")
            users.set_password(conn, row["user_id"], password, umami.hash_method)
            throttle.forget_account(conn, args.username)
    finally:
        conn.close()
    print(f"password of {args.username} reset: its earlier login tokens are revoked and its "
          "failed logins forgotten")


def cmd_add_website(args):
    name = args.name.strip()
    if not name or len(name) > sites.MAX_NAME:
        sys.exit(f"umami-lite: the website name must have 1 to {sites.MAX_NAME} characters")
    if args.domain is not None and len(args.domain) > sites.MAX_DOMAIN:
        sys.exit(f"umami-lite: the domain must have at most {sites.MAX_DOMAIN} characters")
    app = _app(args)
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        owner = users.get_by_name(conn, args.owner)
        if owner is None:
            sys.exit(f"umami-lite: no user named {args.owner!r}")
        with db.transaction(conn):
            row = sites.create(conn, owner["user_id"], name, args.domain, args.share)
    finally:
        conn.close()
    print(f"website id:   {row['website_id']}")
    print(f"website uuid: {row['website_uuid']}")
    if row["share_id"]:
        print(f"share id:     {row['share_id']}")
    print("tracker snippet:")
    print("  " + SNIPPET.format(uuid=row["website_uuid"], host=args.host.rstrip("/")))


def _not_on_postgres(path, command):
    """Exits when path is a PostgreSQL database: backup and restore copy SQLite's file."""
    if is_postgres(path):
        sys.exit(f"umami-lite: {command} copies a SQLite file; a PostgreSQL database is backed"
                 " up and restored with pg_dump and pg_restore (docs/postgresql.md)")


def cmd_backup(args):
    """Copies the live database to PATH and verifies the copy."""
    source = _database(args)
    _not_on_postgres(source, "backup")
    if not os.path.isfile(source):
        sys.exit(f"umami-lite: no database at {source}")
    try:
        report = backups.backup(source, args.path)
    except backups.BackupError as exc:
        sys.exit(f"umami-lite: backup failed: {exc}")
    rows = ", ".join(f"{t} {n}" for t, n in report["tables"].items())
    print(f"backup written to {report['path']} ({report['bytes']} bytes in "
          f"{report['seconds']} s), integrity ok, rows: {rows}")


def cmd_restore(args):
    """Replaces the database's content with a verified backup."""
    target = _database(args)
    _not_on_postgres(target, "restore")
    try:
        report = backups.restore(args.backup, target, force=args.force)
    except backups.BackupError as exc:
        sys.exit(f"umami-lite: restore refused: {exc}")
    rows = ", ".join(f"{t} {n}" for t, n in report["tables"].items())
    print(f"restored {args.backup} into {report['path']}, integrity ok, rows: {rows}")


def cmd_migrate(args):
    """Moves the SQLite file's installation into an empty PostgreSQL database."""
    started = time.monotonic()
    try:
        copied = move_installation(args.source, args.target,
                                    progress=lambda text: print(text, file=sys.stderr))
    except MigrateError as exc:
        sys.exit(f"umami-lite: migrate failed: {exc}")
    hits = sum(copied.get(t, 0) for t in ("pageview", "event"))
    print(f"moved {args.source} to {args.target}: {hits} hits, {copied.get('website', 0)} "
          f"websites, {copied.get('account', 0)} accounts in {time.monotonic() - started:.1f} s")


def cmd_export(args):
    """Writes a website's raw events as JSON lines or CSV."""
    start = _time_arg(args.start) if args.start else 0
    end = _time_arg(args.end, end_of_day=True) if args.end else 2**62
    # (a read must not create a database)
    if not is_postgres(_database(args)) and not os.path.isfile(_database(args)):
        sys.exit(f"umami-lite: no database at {_database(args)}")
    app = _app(args)
    conn = db.connect(app.extensions["umami_lite"].database, readonly=True)
    try:
        website = _website(conn, args.website)
        with _output(args.output) as out:
            count = exports.export(conn, website["website_id"], out, args.format, start, end)
    finally:
        conn.close()
    print(f"exported {count} rows", file=sys.stderr)


@contextlib.contextmanager
def _output(path):
    """Yields the text file to write at path (stdout when None), or exits naming why not."""
    if path is None:
        yield sys.stdout
        return
    try:
        out = open(path, "w", encoding="utf-8", newline="")
    except OSError as exc:
        sys.exit(f"umami-lite: cannot write {path}: {exc.strerror}")
    with out:
        yield out


def cmd_import(args):
    """Imports files (our export, Umami v1/v2/v3 dumps, GoatCounter) into a website: the
    one --website names, else the one our JSON lines export carries, created here."""
    from .clock import now_ms
    if args.website and args.owner:
        sys.exit("umami-lite: --owner names the owner of a website that import creates; "
                 "with --website, the website exists already")
    app = _app(args)
    conn = db.connect(app.extensions["umami_lite"].database)
    created = None
    try:
        with importer.Sources(args.files, args.format) as sources:
            if args.website:
                website = _website(conn, args.website)
            else:
                website, notes = _created_website(conn, sources, args)
                created = website["website_uuid"]
                print("\n".join(notes))
            days = website["retention_days"]
            cutoff = now_ms() - days * 86_400_000 if days else None
            reports = importer.import_sources(conn, website, sources, cutoff)
    except (importer.ImportFailed, OSError, EOFError) as exc:
        again = (f" (website {created} was created: run the command again with --website "
                 f"{created} to import the rest; rows already stored are skipped)"
                 if created else "")
        sys.exit(f"umami-lite: import failed: {exc}{again}")
    finally:
        conn.close()
    for report in reports:
        print(report.as_text())


def _created_website(conn, sources, args):
    """Returns (the website that the files carry, created here, and what to print about it)."""
    if sources.website is None:
        where = (args.files[0] if len(args.files) == 1 else "none of the files")
        raise importer.ImportFailed(
            f"{where} carries no website (a CSV export, an older JSON lines export, or "
            "another tool's file): pass --website ID")
    with db.transaction(conn):
        website, notes = import_website.create(conn, sources.website, args.owner)
    return website, [f"created website {website['website_id']} ({website['name']}) with uuid "
                     f"{website['website_uuid']}, owned by {website['username']}", *notes]


def cmd_retention(args):
    """Shows or sets how many days a website keeps its data."""
    app = _app(args)
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        website = _website(conn, args.website)
        if args.days is not None:
            days = None if args.days == "forever" else _days(args.days)
            with db.transaction(conn):
                retention.set_days(conn, website["website_id"], days)
            website = sites.get(conn, website["website_id"])
    finally:
        conn.close()
    days = website["retention_days"]
    print(f"website {website['website_id']} ({website['name']}) keeps data "
          + ("forever" if days is None else f"{days} days"))


def _days(text):
    try:
        return retention.validate_days(int(text))
    except ValueError:
        sys.exit(f"umami-lite: days must be 'forever' or a whole number from 1 to "
                 f"{retention.MAX_DAYS}, got {text!r}")


def cmd_prune(args):
    """Deletes data older than each website's retention, in small batches."""
    from .clock import now_ms
    app = _app(args)
    conn = db.connect(app.extensions["umami_lite"].database)
    try:
        if args.website:
            website = _website(conn, args.website)
            cutoff = retention.cutoff_for(website["retention_days"], now_ms())
            if cutoff is None:
                sys.exit(f"umami-lite: website {website['website_id']} keeps data forever")
            reports = [retention.prune_website(conn, website["website_id"], cutoff)]
        else:
            reports = retention.prune(conn, now_ms())
    finally:
        conn.close()
    for report in reports:
        print(report.as_text())
    if not reports:
        print("no website has a retention set: nothing to prune")


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse prints the usage first)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser():
    parser = Parser(
        prog="umami-lite",
        description="Umami-compatible web analytics on SQLite. Settings come from the "
                    "environment: " + ", ".join(s.name for s in config.SETTINGS) + ".")
    parser.add_argument("--database", help="SQLite file or postgresql:// URL (overrides "
                        "UMAMI_LITE_DATABASE; default ./umami-lite.db)")
    parser.add_argument("--version", action="version", version=f"umami-lite {version()}",
                        help="print umami-lite's version and exit")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the server (gunicorn)",
                       description="Run umami-lite with gunicorn. Example: "
                                   "umami-lite serve --host 0.0.0.0 --port 3000")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=_number(1, 65535), default=3000, help="port (default 3000)")
    p.add_argument("--workers", type=_number(1, MAX_WORKERS), default=2,
                   help=f"worker processes, 1 to {MAX_WORKERS} (default 2)")
    p.add_argument("--threads", type=_number(1, MAX_THREADS), default=4,
                   help=f"threads per worker, 1 to {MAX_THREADS} (default 4)")
    p.add_argument("--access-log", metavar="FILE",
                   help="write an access log to FILE ('-' for stdout; default: none); it "
                        "holds time, method, path, status, bytes and ms, never IPs, user "
                        "agents, referrers or query strings")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("init-db", help="create the database and first admin (idempotent)",
                       description="Create missing tables and the admin account; never drops "
                                   "data. Example: umami-lite init-db")
    p.set_defaults(func=cmd_init_db)

    p = sub.add_parser("create-user", help="create an account",
                       description="Create an account. The password is read from --password, "
                                   "UMAMI_LITE_NEW_PASSWORD or a prompt. Example: "
                                   "umami-lite create-user alice --admin")
    p.add_argument("username")
    p.add_argument("--password", help=f"{users.MIN_PASSWORD} to {users.MAX_PASSWORD} "
                   "characters")
    p.add_argument("--admin", action="store_true", help="give admin rights")
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("reset-password", help="set a new password for an account "
                       "(a forgotten admin password)",
                       description="Sets the password typed twice at the prompt, or the "
                                   "first line of stdin with --password-stdin, revokes every "
                                   "login token issued before, and forgets the failed logins "
                                   "on the account (the login throttle). Works while the "
                                   "server runs. Example: umami-lite reset-password admin")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from stdin's first line, for scripts")
    p.set_defaults(func=cmd_reset_password)

    p = sub.add_parser("add-website", help="add a website; prints its uuid and tracker snippet",
                       description="Example: umami-lite add-website 'My blog' --domain "
                                   "blog.example.com --host https://stats.example.com")
    p.add_argument("name")
    p.add_argument("--domain", help="the site's domain, e.g. blog.example.com")
    p.add_argument("--owner", default="admin", help="owning username (default admin)")
    p.add_argument("--share", action="store_true", help="enable a public share link")
    p.add_argument("--host", default="http://127.0.0.1:3000",
                   help="public URL of this umami-lite, used in the snippet")
    p.set_defaults(func=cmd_add_website)

    p = sub.add_parser("backup", help="copy the live database to PATH and verify the copy",
                       description="Online backup while the server runs (SQLite backup API, "
                                   "one consistent snapshot), then integrity_check and row "
                                   "counts. Example: umami-lite backup /backups/umami.db")
    p.add_argument("path", help="file to write (replaced if it exists)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the database with a verified backup",
                       description="Verifies BACKUP, then copies it into the database. "
                                   "Refuses while a server or another process has the "
                                   "database open unless --force. Example: "
                                   "umami-lite --database umami-lite.db restore /backups/umami.db")
    p.add_argument("backup", help="a file written by `umami-lite backup`")
    p.add_argument("--force", action="store_true",
                   help="restore even while the database is in use")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("export", help="write a website's raw events as JSON lines or CSV",
                       description="Every pageview and event with its session's attributes, "
                                   "in time order; JSON lines open with the website itself, "
                                   "which `umami-lite import` recreates on another server. "
                                   "Example: umami-lite export --website 1 "
                                   "--from 2026-01-01 --to 2026-01-31 --format csv "
                                   "--output january.csv")
    p.add_argument("--website", required=True, help="website id or uuid")
    p.add_argument("--from", dest="start", help="first day or time (ISO 8601 or epoch ms)")
    p.add_argument("--to", dest="end", help="last day or time, inclusive")
    p.add_argument("--format", choices=exports.FORMATS, default="jsonl")
    p.add_argument("--output", help="file to write (default: stdout)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="import our export, Umami or GoatCounter data",
                       description="Imports into the website --website names, or, without "
                                   "it, recreates the website that our JSON lines export "
                                   "carries (same uuid, name, domain, share id and retention) "
                                   "when this database has no website with that uuid. The "
                                   "format of each file is recognised from its header "
                                   "(--format checks it). Importing a file again skips what "
                                   "it already stored. Examples: umami-lite import blog.jsonl; "
                                   "umami-lite import session.csv website_event.csv "
                                   "--website 1")
    p.add_argument("files", nargs="+", metavar="FILE", help="CSV or JSON lines, .gz allowed")
    p.add_argument("--website", help="website id or uuid to import into (needed for every "
                   "file but our JSON lines export; merges even into another website)")
    p.add_argument("--owner", metavar="USERNAME",
                   help="owner of the website the import creates (default: the first admin)")
    p.add_argument("--format", choices=importer.FORMATS,
                   help="expect this format (default: recognise it)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("migrate", help="move a whole installation from its SQLite file into an "
                       "empty PostgreSQL database",
                       description="Copies every account, website, session, hit, property, "
                                   "report, segment, link, pixel and setting with its id, then "
                                   "rebuilds the summaries on the target; the source file is "
                                   "left as it is (brought to this version's layout). Stop the "
                                   "servers on the file first. Example: umami-lite migrate "
                                   "--from umami-lite.db --to postgresql://umami@db/umami")
    p.add_argument("--from", dest="source", required=True, metavar="SQLITE_FILE",
                   help="the SQLite file to move")
    p.add_argument("--to", dest="target", required=True, metavar="POSTGRESQL_URL",
                   help="an empty PostgreSQL database (postgresql://user@host/dbname)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("retention", help="show or set how long a website keeps its data",
                       description="Without DAYS, shows the setting. Example: umami-lite "
                                   "retention 1 400   (or: umami-lite retention 1 forever)")
    p.add_argument("website", help="website id or uuid")
    p.add_argument("days", nargs="?", help="whole days to keep, or 'forever' (the default)")
    p.set_defaults(func=cmd_retention)

    p = sub.add_parser("prune", help="delete data older than each website's retention",
                       description="Deletes raw events, sessions left without events, and "
                                   "their derived rows, in batches of 1000 rows per short "
                                   "transaction (the server keeps answering), and reports "
                                   "what it removed. The server also does this once a day. "
                                   "Example: umami-lite prune")
    p.add_argument("--website", help="only this website (id or uuid)")
    p.set_defaults(func=cmd_prune)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except config.SettingError as exc:
        sys.exit(f"umami-lite: {_setting_problem(exc, args)}")
    except ValueError as exc:  # bad settings, e.g. IGNORE_IP or SALT_ROTATION
        sys.exit(f"umami-lite: {exc}")


if __name__ == "__main__":
    main()
