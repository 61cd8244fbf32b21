"""Operations on a whole database: retention, backup and restore, export and import.

Library functions only; cli.py holds the thin command-line shells over them.
"""
