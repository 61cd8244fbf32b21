"""The WSGI entry point for `flask --app app run` and `gunicorn app:app`."""
from umami_lite import create_app

app = create_app()
