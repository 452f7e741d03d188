"""The ceiling: a bare Flask app with one "hello" route, served like the helpdesk.

    gunicorn -w 2 -b 127.0.0.1:8001 'hello_app:create_app()'   (from bench/)
"""
from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def hello():
        return "hello"

    return app


app = create_app()
